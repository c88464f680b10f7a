"""enter_flow: starts a child run; the parent continues (through its router) when the child ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition import FlowValidationError
from upesi.flows.runner import MAX_RUNS_PER_SESSION, ChildStarted, fail_session

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("flow",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> Any:
    ref = action["flow"]
    # a flow that is missing or can't be read: we don't know how to route, so the session fails (as goflow,
    # whose asset lookup gives the same error for both)
    try:
        flow = session.assets.flow(ref.get("uuid", ""))
    except (KeyError, FlowValidationError):
        fail_session(session, f"Unable to find flow '{ref.get('name', '')}'")
        return None
    parent_type = run.flow.type if run.flow else flow.type
    if flow.type != parent_type and flow.type != "messaging_background":
        # a messaging flow can only enter messaging (or background) flows, a voice flow voice ones
        fail_session(
            session,
            f"Can't enter flow[uuid={flow.uuid},name={flow.name}] of type {flow.type} from type {parent_type}",
        )
        return None
    if len(session.runs) >= MAX_RUNS_PER_SESSION:
        fail_session(session, f"Reached maximum number of runs per session ({MAX_RUNS_PER_SESSION})")
        return None
    return ChildStarted(flow, bool(action.get("terminal")))
