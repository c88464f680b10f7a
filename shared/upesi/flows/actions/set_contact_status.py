"""set_contact_status: active/blocked/stopped/archived; leaving active drops all group memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition.errors import FlowReadError

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
STATUSES = ("active", "blocked", "stopped", "archived")


def validate(action: dict[str, Any], where: str) -> None:
    if action.get("status") not in STATUSES:
        raise FlowReadError(f"{where}: field 'status' must be one of {', '.join(STATUSES)}")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    status = action["status"]
    if status == (session.contact.get("status") or "active"):
        return
    session.contact["status"] = status
    session.log({"type": "contact_status_changed", "status": status})
    if status in ("blocked", "stopped"):
        groups = session.contact.get("groups") or []
        if groups:
            from upesi.flows.groups import removal_order

            session.contact.pop("groups", None)
            removed = removal_order(session.assets, groups)
            session.log({"type": "contact_groups_changed", "groups_removed": removed})
