"""start_session: asks the host to start other contacts (or this one) in a flow."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.actions.recipients import resolve_recipients
from upesi.flows.events import error_event, missing_dependency
from upesi.flows.runs import raw_extras_json

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("flow",)


def run_summary(session: Session, run: Run) -> dict[str, Any]:
    summary = {
        "uuid": run.uuid,
        "flow": dict(run.flow_ref),
        "contact": copy.deepcopy(session.contact),
        "status": run.status,
        "results": copy.deepcopy(run.results),
    }
    # the extras' texts as goflow's summary carries them (raw bytes), for the new session's @legacy_extra
    raw = raw_extras_json(run.results, run.raw_extras) if run.raw_extras else None
    if raw:
        summary["raw_extras"] = raw
    return summary


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    r = resolve_recipients(session, run, action)
    ref = action["flow"]
    if not session.assets.has_flow(ref.get("uuid", "")):
        session.log(missing_dependency("flow", ref.get("uuid", ""), ref.get("name", "")))
        return
    flow = session.assets.flow(ref["uuid"])
    # a batch start already runs for many contacts: fanning out again from each would multiply them
    if session.trigger.get("batch") and (r.groups or r.contact_query):
        session.log(error_event("Can't start new sessions for groups or queries during batch starts"))
        return
    if not (r.any() or action.get("create_contact")):
        return  # nobody to start
    event: dict[str, Any] = {"type": "session_triggered", "flow": {"uuid": flow.uuid, "name": flow.name}}
    if r.groups:
        event["groups"] = r.groups
    if r.contacts:
        event["contacts"] = r.contacts
    if r.contact_query:
        event["contact_query"] = r.contact_query
    if r.urns:
        event["urns"] = r.urns
    if action.get("create_contact"):
        event["create_contact"] = True
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
