"""Group references in actions and query-group membership."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.events import error_event, missing_dependency

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def resolve_group_refs(session: Session, run: Run, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group assets for refs {uuid,name} or {name_match}; missing ones log a dependency error."""
    from upesi.flows.runtime import evaluate_text

    out = []
    for ref in refs:
        if ref.get("uuid"):
            g = session.assets.groups.get(ref["uuid"])
            if g is None:
                session.log(missing_dependency("group", ref["uuid"], ref.get("name", "")))
                continue
            out.append(g)
        elif ref.get("name_match"):
            name = evaluate_text(session, run, ref["name_match"])
            g = session.assets.group_by_name(name)
            if g is None:
                session.log(error_event(f"no such group with name '{name}'"))
                continue
            out.append(g)
    return out


def reevaluate_query_groups(session: Session) -> None:
    """Query (smart) groups follow field changes; evaluated when a contact query engine is available."""
    return None
