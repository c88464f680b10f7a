"""set_run_result: saves a named result on the run (no category translation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition.errors import FlowReadError
from upesi.flows.runtime import evaluate_or_skip, set_result

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("name",)


def validate(action: dict[str, Any], where: str) -> None:
    name = action.get("name") or ""
    if not name.strip() or len(name) > 64:
        raise FlowReadError(f"{where}: field 'name' must be 1 to 64 characters")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    value = evaluate_or_skip(session, run, action.get("value") or "")
    if value is None:
        return
    category = (action.get("category") or "")[:36]
    set_result(session, run, node.uuid, action["name"], value, category)
