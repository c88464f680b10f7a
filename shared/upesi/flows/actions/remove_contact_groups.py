"""remove_contact_groups: leaves the given static groups, or all static groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition.errors import FlowReadError
from upesi.flows.events import error_event
from upesi.flows.groups import resolve_group_refs

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES


def validate(action: dict[str, Any], where: str) -> None:
    if action.get("all_groups") and action.get("groups"):
        raise FlowReadError(f"{where}: can't specify specific groups when all_groups=true")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    current = session.contact.get("groups") or []
    if action.get("all_groups"):
        targets = [session.assets.groups.get(g["uuid"]) or g for g in current]
        targets = [g for g in targets if not g.get("query")]
    else:
        targets = []
        for g in resolve_group_refs(session, run, action.get("groups") or []):
            if g.get("query"):
                session.log(
                    error_event(f"Can't remove contacts from the query based group '{g.get('name', '')}'")
                )
                continue
            targets.append(g)
    target_uuids = {g["uuid"] for g in targets}
    order = {u: i for i, u in enumerate(session.assets.groups)}
    removed = sorted(
        ({"uuid": g["uuid"], "name": g.get("name", "")} for g in current if g["uuid"] in target_uuids),
        key=lambda g: order.get(g["uuid"], len(order)),
    )
    if removed:
        session.contact["groups"] = [g for g in current if g["uuid"] not in target_uuids]
        session.log({"type": "contact_groups_changed", "groups_removed": removed})
