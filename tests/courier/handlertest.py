"""In-process table tests of a channel handler, as courier's handlertest: a case is a request to one of the
handler's routes (or a message to send) and what must come out. No courier process, database or Redis: the
route function gets a Request and a ChannelRec built from the type's declaration, and a send goes over real
HTTP to a local server standing in for the provider (through courier's outbound relay)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
import pytest
from aiohttp import web

from courier import outbound
from courier.channels import ChannelRec
from courier.handlers import get_handler
from courier.handlers.base import (
    HandlerError,
    Item,
    MsgOut,
    ReceiveContext,
    Request,
    Response,
    SendError,
    SendResult,
    parse_form_body,
)
from courier.logs import ChannelLogBuilder
from courier.outbound import Outbound
from tests.support.processes import free_port
from upesi.channeltypes import get_channel_type

CHANNEL_UUID = "8eb23e93-5ecb-45ba-b726-3b064e0c56ab"


def channel(
    code: str, config: dict[str, Any], address: str = "2020", country: str | None = "RW"
) -> ChannelRec:
    declared = get_channel_type(code)
    assert declared is not None, f"{code} is not a declared channel type"
    return ChannelRec(
        id=1, uuid=CHANNEL_UUID, org_id=1, channel_type=declared.code, address=address, country=country,
        schemes=list(declared.schemes), config=config,
    )  # fmt: skip


@dataclass
class ReceiveCase:
    label: str
    action: str
    method: str = "POST"
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    items: list[Item] | None = None  # what the route returns
    error: str | None = None  # or the HandlerError message it raises
    log_errors: list[dict[str, str]] = field(default_factory=list)  # errors on the channel log


async def run_receive(ch: ChannelRec, case: ReceiveCase) -> None:
    handler = get_handler(ch.channel_type)
    assert handler is not None
    routes = [r for r in handler.routes() if r.action == case.action and r.needs_channel]
    route = next((r for r in routes if case.method in r.methods), None)
    assert route is not None, f"{case.label}: no {case.method} route for {case.action!r}"
    body = urlencode(case.form).encode() if case.form is not None else case.body.encode()
    content_type = "application/x-www-form-urlencoded" if case.form is not None else "application/json"
    headers = {"content-type": content_type, **{k.lower(): v for k, v in case.headers.items()}}
    path = f"/c/{ch.channel_type.lower()}/{ch.uuid}/{case.action}"
    qs = urlencode(case.query)
    req = Request(
        method=case.method, url=f"https://courier.example{path}" + (f"?{qs}" if qs else ""), path=path,
        headers=headers, query={k: [v] for k, v in case.query.items()}, body=body,
        form_multi=parse_form_body(content_type, body) if case.method != "GET" else {},
    )  # fmt: skip
    clog = ChannelLogBuilder(route.log_type, ch.id)
    async with aiohttp.ClientSession() as session:
        ctx = ReceiveContext(out=Outbound(session, clog, allow_private=True), clog=clog)
        if case.error is not None:
            with pytest.raises(HandlerError) as raised:
                await route.func(req, ch, ctx)
            assert raised.value.message == case.error, case.label
            return
        result = await route.func(req, ch, ctx)
    assert not isinstance(result, Response), f"{case.label}: a custom response"
    assert result == case.items, case.label
    assert clog.errors == case.log_errors, case.label


@dataclass
class Provider:
    """The local stand-in for a provider: answers each request with the next canned (status, body)."""

    answers: list[tuple[int, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        form = (
            {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if "urlencoded" in request.content_type
            else {}
        )
        self.requests.append(
            {"method": request.method, "url": request.headers.get("X-Upesi-Relay-Target", "") + request.path_qs,
             "form": form, "body": raw.decode(), "headers": dict(request.headers)}
        )  # fmt: skip
        status, body = self.answers.pop(0) if self.answers else (200, "{}")
        return web.Response(status=status, text=body, content_type="application/json")


@pytest.fixture
async def provider(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Provider]:
    fake = Provider()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setattr(outbound, "RELAY", f"http://127.0.0.1:{port}")
    try:
        yield fake
    finally:
        await runner.cleanup()


@dataclass
class SendCase:
    label: str
    msg: dict[str, Any]  # as mailroom queues it (urn, text, attachments, quick_replies...)
    answers: list[tuple[int, str]]  # the provider's answers, in order
    requests: list[dict[str, Any]]  # each request the provider received: url and form (or json body)
    external_ids: list[str] = field(default_factory=list)
    error: str | None = None  # or the SendError code raised


async def run_send(ch: ChannelRec, case: SendCase, provider: Provider) -> None:
    handler = get_handler(ch.channel_type)
    assert handler is not None
    provider.answers, provider.requests = list(case.answers), []
    msg = MsgOut(
        {"id": 10, "uuid": "0191e180-7d60-7000-aded-7d8b151cbd5b", "channel_uuid": ch.uuid, **case.msg}
    )
    result = SendResult()
    async with aiohttp.ClientSession() as session:
        out = Outbound(session, ChannelLogBuilder("msg_send", ch.id), allow_private=True)
        if case.error is not None:
            with pytest.raises(SendError) as raised:
                await handler.send(msg, ch, out, result)
            assert raised.value.code == case.error, case.label
        else:
            await handler.send(msg, ch, out, result)
    seen = [
        {"url": r["url"], **({"form": r["form"]} if r["form"] else {"json": json.loads(r["body"] or "null")})}
        for r in provider.requests
    ]
    assert seen == case.requests, case.label
    assert result.external_ids == case.external_ids, case.label
