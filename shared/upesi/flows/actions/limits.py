"""Field limits every action is checked against when a flow is read (as goflow's validation tags)."""

from __future__ import annotations

import re
from typing import Any

from upesi.flows.definition.errors import FlowReadError

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_RESULT_NAME = 64
MAX_ATTACHMENTS = 10
MAX_QUICK_REPLIES = 10
MAX_QUICK_REPLY_CHARS = 1000
MAX_HEADERS = 10
MAX_HEADER_NAME = 100
MAX_HEADER_VALUE = 5000


def check_limits(a: dict[str, Any], where: str) -> None:
    for key in ("groups", "labels", "contacts"):
        for i, ref in enumerate(a.get(key) or []):
            if isinstance(ref, dict) and "uuid" in ref and not _UUID_RE.match(str(ref["uuid"] or "")):
                raise FlowReadError(f"{where}: field '{key}[{i}].uuid' must be a valid UUID")
    if "result_name" in a and a["result_name"] is not None:
        rn = a["result_name"]
        if len(rn) > MAX_RESULT_NAME or (rn and not rn.strip()):
            raise FlowReadError(f"{where}: field 'result_name' is not a valid result name")
    if len(a.get("attachments") or []) > MAX_ATTACHMENTS:
        raise FlowReadError(f"{where}: field 'attachments' must have a maximum of {MAX_ATTACHMENTS} items")
    qrs = a.get("quick_replies") or []
    if len(qrs) > MAX_QUICK_REPLIES:
        raise FlowReadError(
            f"{where}: field 'quick_replies' must have a maximum of {MAX_QUICK_REPLIES} items"
        )
    for i, q in enumerate(qrs):
        if isinstance(q, str) and len(q) > MAX_QUICK_REPLY_CHARS:
            raise FlowReadError(
                f"{where}: field 'quick_replies[{i}]' must be less than or equal to {MAX_QUICK_REPLY_CHARS}"
            )
    headers = a.get("headers") or {}
    if len(headers) > MAX_HEADERS:
        raise FlowReadError(f"{where}: field 'headers' must be less than or equal to {MAX_HEADERS}")
    for name, value in headers.items():
        if len(name) > MAX_HEADER_NAME:
            raise FlowReadError(
                f"{where}: field 'headers[{name}]' must be less than or equal to {MAX_HEADER_NAME}"
            )
        if isinstance(value, str) and len(value) > MAX_HEADER_VALUE:
            raise FlowReadError(
                f"{where}: field 'headers[{name}]' must be less than or equal to {MAX_HEADER_VALUE}"
            )
