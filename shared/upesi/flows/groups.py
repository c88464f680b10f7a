"""Group references in actions and query-group membership."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.events import error_event, missing_dependency

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def resolve_group_refs(session: Session, run: Run, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group assets for refs {uuid,name} or {name_match}; missing ones log a dependency error."""
    from upesi.flows.runtime import evaluate_or_skip

    out = []
    for ref in refs:
        if ref.get("uuid"):
            g = session.assets.groups.get(ref["uuid"])
            if g is None:
                session.log(missing_dependency("group", ref["uuid"], ref.get("name", "")))
                continue
            out.append(g)
        elif ref.get("name_match"):
            name = evaluate_or_skip(session, run, ref["name_match"])
            if name is None:
                continue
            g = session.assets.group_by_name(name)
            if g is None:
                session.log(error_event(f"No such group with name '{name}'", "group:missing", {"name": name}))
                continue
            out.append(g)
    return out


def reevaluate_query_groups(session: Session) -> None:
    """Query (smart) groups follow the contact: after a change, join or leave them as their queries say."""
    from upesi.flows.query import QueryError, contact_matches

    contact = session.contact
    if (contact.get("status") or "active") != "active":
        return
    current = {g.get("uuid") for g in contact.get("groups") or []}
    added, removed = [], []
    for g in session.assets.groups.values():
        q = g.get("query")
        if not q:
            continue
        try:
            member = contact_matches(q, contact, session.assets.fields)
        except QueryError:
            continue  # a query we can't evaluate leaves membership as it was
        ref = {"uuid": g["uuid"], "name": g.get("name", "")}
        if member and g["uuid"] not in current:
            added.append(ref)
        elif not member and g["uuid"] in current:
            removed.append(ref)
    if not added and not removed:
        return
    groups = [g for g in contact.get("groups") or [] if g.get("uuid") not in {r["uuid"] for r in removed}]
    contact["groups"] = groups + added
    event: dict[str, Any] = {"type": "contact_groups_changed"}
    if added:
        event["groups_added"] = added
    if removed:
        event["groups_removed"] = removed
    session.log(event)


def removal_order(assets: Any, groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Groups a contact leaves all at once, as goflow lists them: query groups, then the others."""
    refs = [{"uuid": g["uuid"], "name": g.get("name", "")} for g in groups]
    is_query = {u: bool(g.get("query")) for u, g in assets.groups.items()}
    return [r for r in refs if is_query.get(r["uuid"])] + [r for r in refs if not is_query.get(r["uuid"])]
