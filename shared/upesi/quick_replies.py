"""Quick replies as they are stored in `msgs.quick_replies` (a text array) and given to courier.

A quick reply is {"type", "text", "extra"?} (RapidPro's and goflow's shape; type is text, location, form, url...).
The column keeps a plain "text" for a text reply without extra, so older rows and readers stay valid, and a JSON
object for anything else, so the type and extra survive. Rows written before types were kept may hold
"text\\nextra"; they read as text replies with that extra.
"""

import json
from typing import Any

TEXT = "text"


def encode(reply: dict[str, Any] | str) -> str:
    """The stored form of one quick reply."""
    if isinstance(reply, str):
        return reply
    typ = reply.get("type") or TEXT
    if typ == TEXT and not reply.get("extra"):
        return str(reply.get("text") or "")
    out: dict[str, Any] = {"type": typ}
    if reply.get("text") is not None:
        out["text"] = reply["text"]
    if reply.get("extra"):
        out["extra"] = reply["extra"]
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def decode(stored: str) -> dict[str, Any]:
    """One stored quick reply as {"type", "text", "extra"?}."""
    if stored.startswith("{"):
        try:
            parsed = json.loads(stored)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and ("text" in parsed or "type" in parsed):
            return {"type": parsed.get("type") or TEXT, **{k: v for k, v in parsed.items() if k != "type"}}
    text, _, extra = stored.partition("\n")
    return {"type": TEXT, "text": text, "extra": extra} if extra else {"type": TEXT, "text": text}


def decode_all(stored: list[str] | None) -> list[dict[str, Any]]:
    return [decode(q) for q in stored or []]


def for_courier(stored: list[str] | None) -> list[str | dict[str, Any]]:
    """Quick replies as courier takes them: a plain text reply stays a string (as mailroom always sent it), a
    typed one or one with extra goes as {"type", "text", "extra"?}."""
    out: list[str | dict[str, Any]] = []
    for q in stored or []:
        reply = decode(q)
        out.append(q if reply == {"type": TEXT, "text": q} else reply)
    return out
