"""Turning one outgoing message into WhatsApp Cloud API request bodies: templates, media (with captions where
WhatsApp allows them), text split at the limit, and quick replies as interactive messages (reply buttons, a
list, a location request, a flow form or a URL button), e.g.
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "250788123123", "type": "text",
     "text": {"body": "Hi", "preview_url": false}}
"""

import re
from typing import Any

from courier.handlers.base import MsgOut, message_invalid, split_attachment
from courier.logs import ChannelLogBuilder
from courier.textutil import split_text

_BSUID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]+$")
MAX_BUTTONS = 3
MAX_LIST = 10
LIST_BUTTON = {"spa": "Menú"}
HEADER_TYPES = ("image", "video", "document")


def media_type(content_type: str) -> str:
    kind = content_type.split("/")[0]
    if kind in ("image", "video", "audio"):
        return kind
    return "document"


def _media(kind: str, link: str, caption: str | None = None) -> dict[str, Any]:
    from courier.handlers.meta import document_filename

    body: dict[str, Any] = {"link": link}
    if caption:
        body["caption"] = caption
    if kind == "document":
        body["filename"] = document_filename(link)
    return body


def _base(msg: MsgOut) -> dict[str, Any]:
    base: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    path = msg.urn_path
    if msg.urn_scheme == "bsuid" or _BSUID.match(path):
        base["recipient"] = path
    else:
        base["to"] = path
    return base


def _text(msg: MsgOut, text: str) -> dict[str, Any]:
    preview = "https://" in text or "http://" in text
    return {**_base(msg), "type": "text", "text": {"body": text, "preview_url": preview}}


def build_wac_payloads(msg: MsgOut, max_length: int, clog: ChannelLogBuilder) -> list[dict[str, Any]]:
    if msg.templating:
        return [{**_base(msg), "type": "template", "template": _template(msg.templating)}]

    qrs = msg.quick_replies
    interactive = _interactive_kind(qrs, clog)
    attachments = list(msg.attachments)
    header: dict[str, Any] | None = None
    payloads: list[dict[str, Any]] = []

    # one image/video/document can be the header of a button or URL message
    if interactive in ("button", "cta_url") and len(attachments) == 1:
        content_type, link = split_attachment(attachments[0])
        kind = media_type(content_type)
        if kind in HEADER_TYPES:
            header = {"type": kind, kind: _media(kind, link)}
            attachments = []

    text = msg.text
    caption_used = False
    for attachment in attachments:
        content_type, link = split_attachment(attachment)
        kind = media_type(content_type)
        caption = None
        if (
            len(attachments) == 1
            and not interactive
            and kind in HEADER_TYPES
            and text
            and len(text) <= max_length
        ):
            caption, caption_used = text, True
        payloads.append({**_base(msg), "type": kind, kind: _media(kind, link, caption)})

    if caption_used or (not text and not interactive):
        return payloads
    parts = split_text(text, max_length) if text else [""]
    for i, part in enumerate(parts):
        if i < len(parts) - 1 or not interactive:
            payloads.append(_text(msg, part))
        else:
            payloads.append(
                {
                    **_base(msg),
                    "type": "interactive",
                    "interactive": _interactive(msg, interactive, part, header, clog),
                }
            )
    return payloads


def _interactive_kind(qrs: list[dict[str, Any]], clog: ChannelLogBuilder) -> str | None:
    if not qrs:
        return None
    special = next((q for q in qrs if q.get("type") in ("location", "form", "url")), None)
    if special:
        kind = special["type"]
        for other in qrs:
            if other is not special:
                clog.error(
                    "message_invalid",
                    f"quick reply of type {other.get('type', 'text')} can't be combined with a {kind} quick reply and won't be sent",
                )
        if kind in ("form", "url") and not special.get("extra"):
            clog.error(
                "message_invalid", f"quick reply of type {kind} is missing its extra value and can't be sent"
            )
            return None
        return {"location": "location", "form": "flow", "url": "cta_url"}[kind]
    if len(qrs) > MAX_LIST:
        clog.error(
            "message_invalid", f"too many quick replies WhatsApp supports only up to {MAX_LIST} quick replies"
        )
    if len(qrs) <= MAX_BUTTONS and not any(q.get("extra") for q in qrs):
        return "button"
    return "list"


def _interactive(
    msg: MsgOut, kind: str, text: str, header: dict[str, Any] | None, clog: ChannelLogBuilder
) -> dict[str, Any]:
    from courier.handlers.meta import parse_form_extra

    qrs = msg.quick_replies
    body: dict[str, Any] = {"type": kind if kind != "location" else "location_request_message"}
    if header:
        body["header"] = header
    body["body"] = {"text": text}
    if kind == "button":
        body["action"] = {
            "buttons": [
                {"type": "reply", "reply": {"id": str(i), "title": q.get("text", "")}}
                for i, q in enumerate(qrs)
            ]
        }
    elif kind == "list":
        rows = []
        for i, q in enumerate(qrs[:MAX_LIST]):
            row = {"id": str(i), "title": q.get("text", "")}
            if q.get("extra"):
                row["description"] = q["extra"]
            rows.append(row)
        body["action"] = {"button": LIST_BUTTON.get(msg.locale[:3], "Menu"), "sections": [{"rows": rows}]}
    elif kind == "location":
        body["action"] = {"name": "send_location"}
    elif kind == "flow":
        form = next(q for q in qrs if q.get("type") == "form")
        params, problem = parse_form_extra(form["extra"])
        if problem:
            clog.error(
                "message_invalid",
                f"form quick reply extra '{form['extra']}' is malformed ({problem}) and flow will be sent with default action parameters",
            )
        parameters = {
            "flow_message_version": "3",
            "flow_id": params.pop("flow_id"),
            "flow_cta": form.get("text") or "Open Form",
        }
        parameters.update(params)
        body["action"] = {"name": "flow", "parameters": parameters}
    elif kind == "cta_url":
        link = next(q for q in qrs if q.get("type") == "url")
        body["action"] = {
            "name": "cta_url",
            "parameters": {"display_text": link.get("text") or "Open Link", "url": link["extra"]},
        }
    return body


def _template(templating: dict[str, Any]) -> dict[str, Any]:
    template = templating.get("template") or {}
    if not template.get("name"):
        raise message_invalid("template has no name")
    out: dict[str, Any] = {
        "name": template["name"],
        "language": {"policy": "deterministic", "code": templating.get("language", "")},
    }
    variables = templating.get("variables") or []
    components = []
    for component in templating.get("components") or []:
        ctype = component.get("type", "")
        base_type, _, sub = ctype.partition("/")
        params = []
        for _, index in sorted(
            (component.get("variables") or {}).items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0
        ):
            if not isinstance(index, int) or index >= len(variables):
                continue
            var = variables[index]
            value = var.get("value", "")
            if var.get("type", "text") == "text":
                if base_type == "button" and sub == "quick_reply":
                    params.append({"type": "payload", "payload": value})
                else:
                    params.append({"type": "text", "text": value})
            else:
                kind = var["type"]
                link = split_attachment(value)[1] if ":" in value else value
                kind = media_type(kind + "/") if kind not in ("image", "video", "document", "audio") else kind
                params.append(
                    {"type": kind, kind: _media(kind, link) if kind == "document" else {"link": link}}
                )
        entry: dict[str, Any] = {"type": base_type}
        if base_type == "button":
            entry["sub_type"] = sub or "quick_reply"
            entry["index"] = component.get("name", "button.0").rsplit(".", 1)[-1]
        entry["parameters"] = params
        components.append(entry)
    if components:
        out["components"] = components
    return out
