"""send_broadcast: a message to other contacts, groups or URNs, with a translation per language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.groups import resolve_group_refs
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
    flow = run.flow
    base = flow.language if flow else "und"
    langs = [base] + [lang for lang in (flow.localization if flow else {}) if lang != base]
    translations = {lang: _content(session, run, action, lang) for lang in langs}
    event: dict[str, Any] = {"type": "broadcast_created", "translations": translations, "base_language": base}
    groups = [
        {"uuid": g["uuid"], "name": g.get("name", "")}
        for g in resolve_group_refs(session, run, action.get("groups") or [])
    ]
    if groups:
        event["groups"] = groups
    contacts = [{"uuid": c["uuid"], "name": c.get("name", "")} for c in action.get("contacts") or []]
    if contacts:
        event["contacts"] = contacts
    urns = [evaluate_text(session, run, u) for u in action.get("legacy_vars") or []] + list(
        action.get("urns") or []
    )
    if urns:
        event["urns"] = urns
    if action.get("contact_query"):
        event["contact_query"] = evaluate_text(session, run, action["contact_query"])
    if not (groups or contacts or urns or event.get("contact_query")):
        return
    session.log(event)
