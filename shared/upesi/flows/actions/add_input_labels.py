"""add_input_labels: labels the input message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event, missing_dependency
from upesi.flows.runtime import evaluate_or_skip

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("labels",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    if not session.input:
        session.log(error_event("No input to add labels to"))
        return
    labels = []
    for ref in action.get("labels") or []:
        if ref.get("uuid"):
            lb = session.assets.labels.get(ref["uuid"])
            if lb is None:
                session.log(missing_dependency("label", ref["uuid"], ref.get("name", "")))
                continue
        else:
            name = evaluate_or_skip(session, run, ref.get("name_match") or "")
            if name is None:
                continue
            lb = next(
                (x for x in session.assets.labels.values() if x.get("name", "").lower() == name.lower()), None
            )
            if lb is None:
                session.log(error_event(f"No such label with name '{name}'", "label:missing", {"name": name}))
                continue
        labels.append({"uuid": lb["uuid"], "name": lb.get("name", "")})
    if labels:
        session.log({"type": "input_labels_added", "input_uuid": session.input.get("uuid"), "labels": labels})
