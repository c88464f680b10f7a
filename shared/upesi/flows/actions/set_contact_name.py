"""set_contact_name: changes the contact's name (trimmed, at most 128 characters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.runtime import evaluate_or_skip

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("name",)
MAX_NAME_CHARS = 128


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    raw = evaluate_or_skip(session, run, action.get("name") or "")
    if raw is None:
        return
    name = raw.strip()[:MAX_NAME_CHARS]
    if name == (session.contact.get("name") or ""):
        return
    if name:
        session.contact["name"] = name
    else:
        session.contact.pop("name", None)
    session.log({"type": "contact_name_changed", "name": name})
    from upesi.flows.groups import reevaluate_query_groups

    reevaluate_query_groups(session)
