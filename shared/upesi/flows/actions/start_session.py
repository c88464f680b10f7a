"""start_session: asks the host to start other contacts (or this one) in a flow."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import missing_dependency
from upesi.flows.groups import resolve_group_refs
from upesi.flows.runtime import evaluate_text

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("flow",)


def run_summary(session: Session, run: Run) -> dict[str, Any]:
    return {
        "uuid": run.uuid,
        "flow": dict(run.flow_ref),
        "contact": copy.deepcopy(session.contact),
        "status": run.status,
        "results": copy.deepcopy(run.results),
    }


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    ref = action["flow"]
    if not session.assets.has_flow(ref.get("uuid", "")):
        session.log(missing_dependency("flow", ref.get("uuid", ""), ref.get("name", "")))
        return
    flow = session.assets.flow(ref["uuid"])
    event: dict[str, Any] = {"type": "session_triggered", "flow": {"uuid": flow.uuid, "name": flow.name}}
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
    if action.get("create_contact"):
        event["create_contact"] = True
    if not (groups or contacts or urns or event.get("contact_query") or action.get("create_contact")):
        return  # nobody to start
    event["exclusions"] = action.get("exclusions") or {}
    ancestors = sum(1 for _ in _ancestors(session, run))
    event["run_summary"] = run_summary(session, run)
    event["history"] = {
        "parent_uuid": session.uuid,
        "ancestors": ancestors + 1,
        "ancestors_since_input": 0 if session.input else ancestors + 1,
    }
    session.log(event)


def _ancestors(session: Session, run: Run) -> Any:
    hist = (session.trigger or {}).get("history") or {}
    for _ in range(int(hist.get("ancestors") or 0)):
        yield None
