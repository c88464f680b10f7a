"""call_classifier: NLU classifiers are gone; warns and saves a Failure result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.runtime import set_result

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    session.log({"type": "warning", "text": "NLU classifiers are no longer supported"})
    if action.get("result_name"):
        set_result(session, run, node.uuid, action["result_name"], "0", "Failure")
