"""add_contact_groups: adds the contact to static groups (query groups can't be joined by hand)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.groups import resolve_group_refs

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("groups",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    if (session.contact.get("status") or "active") != "active":
        return
    current = {g.get("uuid") for g in session.contact.get("groups") or []}
    added = []
    for g in resolve_group_refs(session, run, action.get("groups") or []):
        if g.get("query"):
            from upesi.flows.events import error_event

            session.log(error_event(f"Can't add contacts to the query based group '{g.get('name', '')}'"))
            continue
        if g["uuid"] in current:
            continue
        ref = {"uuid": g["uuid"], "name": g.get("name", "")}
        session.contact.setdefault("groups", []).append(ref)
        current.add(g["uuid"])
        added.append(ref)
    if added:
        session.log({"type": "contact_groups_changed", "groups_added": added})
