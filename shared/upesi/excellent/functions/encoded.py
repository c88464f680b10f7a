"""URN and attachment builtins."""

from __future__ import annotations

from typing import Any

from upesi.excellent.functions.args import text_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.values import XError, XObject
from upesi.urns import format_urn, split_urn


@builtin("urn_parts", 1)
def urn_parts(env: Any, v: Any) -> Any:
    u = split_urn(text_arg(v) if v is not None else "")
    if u is None:
        return XError(f"{text_arg(v)} is not a valid URN")
    return XObject({"scheme": u.scheme, "path": u.path, "display": u.display})


@builtin("format_urn", 1)
def format_urn_(env: Any, v: Any) -> Any:
    s = text_arg(v)
    u = split_urn(s)
    if u is None:
        return XError(f"{s} is not a valid URN")
    return format_urn(u)


@builtin("attachment_parts", 1)
def attachment_parts(env: Any, v: Any) -> Any:
    s = text_arg(v)
    ct, sep, url = s.partition(":")
    if not sep or ("/" not in ct and ct != "geo"):
        return XObject({"content_type": "", "url": s})
    return XObject({"content_type": ct, "url": url})
