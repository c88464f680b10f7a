"""WhatsApp-style message templates for send_msg: pick the channel's translation, fill its variables,
and describe it on the message (msg.templating) so the channel sends the approved template."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from upesi.flows.runtime import evaluate_text, localize

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

_VAR_RE = re.compile(r"\{\{(\d+)\}\}")


def _pick_translation(
    template: dict[str, Any], channel_uuid: str, locales: list[str]
) -> dict[str, Any] | None:
    candidates = [
        t for t in template.get("translations") or [] if (t.get("channel") or {}).get("uuid") == channel_uuid
    ]
    for loc in locales:
        for t in candidates:
            if t.get("locale") == loc:
                return t
        for t in candidates:
            if (t.get("locale") or "").split("-")[0] == loc.split("-")[0]:
                return t
    return None


_TEXT_TYPES = ("header/text", "body/text", "footer/text")
_MEDIA_TYPES = ("image", "video", "document")
MAX_QUICK_REPLY_CHARS = 64


def _preview(
    translation: dict[str, Any], variables: list[dict[str, str]]
) -> tuple[str, list[str], list[str]]:
    """What the channel will send: text components joined by blank lines, media variables as
    attachments, buttons as quick replies."""
    texts: list[str] = []
    attachments: list[str] = []
    quick_replies: list[str] = []
    for comp in translation.get("components") or []:
        content = comp.get("content") or ""
        for key, index in (comp.get("variables") or {}).items():
            var = variables[index] if index < len(variables) else {"type": "text", "value": ""}
            if var["type"] == "text":
                content = content.replace("{{" + key + "}}", var["value"])
            elif var["type"] in _MEDIA_TYPES and _is_attachment(var["value"]):
                attachments.append(var["value"])
        if not content:
            continue
        ctype = comp.get("type", "")
        if ctype in _TEXT_TYPES:
            texts.append(content)
        elif ctype.startswith("button/"):
            quick_replies.append(
                content
                if len(content) <= MAX_QUICK_REPLY_CHARS
                else content[: MAX_QUICK_REPLY_CHARS - 3] + "..."
            )
    return "\n\n".join(texts), attachments, quick_replies


def _is_attachment(value: str) -> bool:
    ctype, _, url = value.partition(":")
    return "/" in ctype and bool(url)


def _set_or_drop(msg: dict[str, Any], key: str, value: list[Any]) -> None:
    if value:
        msg[key] = value
    else:
        msg.pop(key, None)


def apply_template(
    session: Session,
    run: Run,
    action: dict[str, Any],
    msg: dict[str, Any],
    channel: dict[str, Any],
    locales: list[str],
) -> bool:
    """Fill msg (text, attachments, templating, locale) from the action's template; False if none applies."""
    ref = action.get("template") or {}
    template = session.assets.templates.get(ref.get("uuid", ""))
    if template is None:
        return False
    translation = _pick_translation(template, channel.get("uuid", ""), locales)
    if translation is None:
        return False
    raw_vars, _ = localize(
        session, run, action["uuid"], "template_variables", list(action.get("template_variables") or [])
    )
    values = [evaluate_text(session, run, v) for v in raw_vars]
    var_defs = translation.get("variables") or []
    variables = [
        {"type": d.get("type", "text"), "value": values[i] if i < len(values) else ""}
        for i, d in enumerate(var_defs)
    ]
    # only components with variables are described; the message itself previews the whole template
    components = [
        {"name": c["name"], "type": c.get("type", ""), "variables": c["variables"]}
        for c in translation.get("components") or []
        if c.get("variables")
    ]
    text, attachments, quick_replies = _preview(translation, variables)
    templating: dict[str, Any] = {"template": {"uuid": template["uuid"], "name": template.get("name", "")}}
    if components:
        templating["components"] = components
    if variables:
        templating["variables"] = variables
    msg["text"] = text
    _set_or_drop(msg, "attachments", attachments)
    _set_or_drop(msg, "quick_replies", [{"type": "text", "text": q} for q in quick_replies])
    msg["templating"] = templating
    msg["locale"] = translation.get("locale", "")
    return True
