"""Routing to a category: saving the result (if the router names one) and returning the exit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.definition import Node
from upesi.flows.runtime import localize_one, set_result

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_to_category(
    session: Session, run: Run, node: Node, category_uuid: str, value: str, input_: str, extra: Any
) -> str | None:
    r = node.router
    assert r is not None
    cat = r.category(category_uuid)
    if cat is None:
        return None
    if r.result_name:
        localized, _ = localize_one(session, run, cat.uuid, "name", cat.name)
        set_result(session, run, node.uuid, r.result_name, value, cat.name, localized, input_, extra)
    return cat.exit_uuid
