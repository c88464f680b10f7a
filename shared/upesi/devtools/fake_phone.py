"""A phone in the browser, on the fake provider: GET /phone shows the messages the provider was asked to send to
a number, and its form sends a reply from that number to a channel's receive URL, the way a provider hands
courier an incoming message. With it a person needs only a browser to hold a conversation with a flow (issue
#19's first hour); the demo's banner links to it.

A developer's tool: it relays to whatever http(s) URL its form is given (meant for a local courier)."""

import html
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import FastAPI, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake phone {number}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:480px;margin:16px auto;padding:0 12px}}
.msg{{padding:8px 12px;border-radius:12px;margin:6px 0;max-width:80%}}.in{{background:#eee}}
.out{{background:#2980b9;color:#fff;margin-left:auto}}input{{width:100%;box-sizing:border-box;padding:6px;margin:4px 0}}
.error{{color:#b00}}</style></head><body>
<h1>Fake phone</h1>
<p>Messages sent to <strong id="number">{number}</strong> through the fake provider, and replies from it.
<a href="{refresh}" id="refresh">Refresh</a></p>
<div id="conversation">{messages}</div>
{error}
<form method="post" action="/phone" id="reply-form">
<label>Channel's receive URL <input name="receive" id="receive" value="{receive}" required></label>
<label>From <input name="from" id="from" value="{number}" required></label>
<label>Message <input name="text" id="text" required autofocus></label>
<button type="submit" id="reply">Send</button></form></body></html>"""


def add_phone(app: FastAPI, sent: list[dict[str, Any]]) -> None:
    """The routes, before the provider's catch-all (so the phone's own requests are not recorded as sends)."""
    replies: list[dict[str, Any]] = []

    @app.get("/phone", response_class=HTMLResponse)
    async def phone(
        receive: str = Query(""), number: str = Query("", alias="from"), error: str = Query("")
    ) -> str:
        rows = [(e["received_at"], "in", _text_of(e)) for e in sent if number and _to_of(e) == number]
        rows += [(r["at"], "out", r["text"]) for r in replies if r["from"] == number]
        messages = "".join(
            f'<div class="msg {kind}">{html.escape(text)}</div>'
            for _, kind, text in sorted(rows, key=lambda r: r[0])
        )
        return PAGE.format(
            number=html.escape(number),
            receive=html.escape(receive),
            refresh=html.escape("/phone?" + urlencode({"receive": receive, "from": number})),
            messages=messages or '<p class="empty">Nothing yet.</p>',
            error=f'<p class="error" id="phone-error">{html.escape(error)}</p>' if error else "",
        )

    @app.post("/phone")
    async def reply(receive: str = Form(), number: str = Form(alias="from"), text: str = Form()) -> Response:
        back = {"receive": receive, "from": number}
        if urlsplit(receive).scheme not in ("http", "https"):
            return RedirectResponse(
                "/phone?" + urlencode(back | {"error": "the receive URL must be http(s)"}), 303
            )
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(receive, data={"from": number, "text": text})
        except httpx.HTTPError as e:
            return RedirectResponse("/phone?" + urlencode(back | {"error": f"not delivered: {e}"}), 303)
        if answer.status_code >= 400:
            error = f"not delivered: {answer.status_code} {answer.text[:200]}"
            return RedirectResponse("/phone?" + urlencode(back | {"error": error}), 303)
        replies.append({"from": number, "text": text, "at": time.time()})
        return RedirectResponse("/phone?" + urlencode(back), 303)


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    return entry.get("form") or entry.get("json") or entry.get("query") or {}


def _to_of(entry: dict[str, Any]) -> str:
    to = str(_fields(entry).get("to", ""))
    return to if not to or to.startswith("+") else "+" + to


def _text_of(entry: dict[str, Any]) -> str:
    return str(_fields(entry).get("text", ""))
