"""send_broadcast: a message to other contacts, groups or URNs, with a translation per language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.actions.recipients import resolve_recipients
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_text

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("text",)


def _content(session: Session, run: Run, action: dict[str, Any], lang: str) -> dict[str, Any]:
    flow = run.flow
    base = flow.language if flow else ""

    def prop(name: str, default: list[str]) -> list[str]:
        if lang == base or flow is None:
            return default
        vals = flow.localized(lang, action["uuid"], name)
        return vals if vals else default

    out: dict[str, Any] = {"text": evaluate_text(session, run, prop("text", [action.get("text") or ""])[0])}
    atts = [
        evaluate_text(session, run, a) for a in prop("attachments", list(action.get("attachments") or []))
    ]
    if any(atts):
        out["attachments"] = [a for a in atts if a]
    qrs = [
        evaluate_text(session, run, q) for q in prop("quick_replies", list(action.get("quick_replies") or []))
    ]
    if any(qrs):
        out["quick_replies"] = [{"type": "text", "text": q} for q in qrs if q]
    return out


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    r = resolve_recipients(session, run, action)
    # a batch start already runs for many contacts: a broadcast to a group from each would repeat it
    if session.trigger.get("batch") and (r.groups or r.contact_query):
        session.log(error_event("Can't send broadcasts to groups during batch starts"))
        return
    flow = run.flow
    base = flow.language if flow else "und"
    langs = [base] + [lang for lang in (flow.localization if flow else {}) if lang != base]
    translations = {lang: _content(session, run, action, lang) for lang in langs}
    if not r.any():
        return
    event: dict[str, Any] = {"type": "broadcast_created", "translations": translations, "base_language": base}
    if r.groups:
        event["groups"] = r.groups
    if r.contacts:
        event["contacts"] = r.contacts
    if r.contact_query:
        event["contact_query"] = r.contact_query
    if r.urns:
        event["urns"] = r.urns
    ref = action.get("template")
    if ref and ref.get("uuid") in session.assets.templates:
        event["template"] = ref
        event["template_variables"] = [
            evaluate_text(session, run, v) for v in action.get("template_variables") or []
        ]
    session.log(event)
