"""request_optin: no longer supported; logs an error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import MESSAGING
from upesi.flows.events import error_event

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = MESSAGING


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    session.log(error_event("opt-in requests are no longer supported", "action:unsupported"))
