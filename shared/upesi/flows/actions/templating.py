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
    components = []
    body_text = ""
    attachments = []
    for comp in translation.get("components") or []:
        comp_vars = comp.get("variables") or {}
        components.append({"name": comp["name"], "type": comp.get("type", ""), "variables": comp_vars})
        ctype = comp.get("type", "")
        if ctype.startswith("body"):
            body_text = _VAR_RE.sub(
                lambda m, cv=comp_vars: (
                    variables[cv[m.group(1)]]["value"]
                    if m.group(1) in cv and cv[m.group(1)] < len(variables)
                    else m.group(0)
                ),
                comp.get("content") or "",
            )
        elif ctype == "header/media":
            for i in comp_vars.values():
                value = variables[i]["value"] if i < len(variables) else ""
                ctype_part, _, url = value.partition(":")
                if "/" in ctype_part and url:  # only real attachments (type/subtype:url) go on the message
                    attachments.append(value)
    templating: dict[str, Any] = {"template": {"uuid": template["uuid"], "name": template.get("name", "")}}
    if any(c["variables"] for c in components):
        templating["components"] = components
    if variables:
        templating["variables"] = variables
    msg["text"] = body_text
    if attachments:
        msg["attachments"] = attachments
    msg["templating"] = templating
    msg["locale"] = translation.get("locale", "")
    return True
