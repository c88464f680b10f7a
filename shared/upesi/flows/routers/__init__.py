"""Routers pick a category (and so an exit) for a node; switch tests cases, random picks one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from upesi.flows.definition import Node
from upesi.flows.routers.common import route_to_category
from upesi.flows.routers.random import route_random
from upesi.flows.routers.switch import route_switch

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_node(session: Session, run: Run, node: Node, resuming: bool) -> str | None:
    r = node.router
    if r is None:
        return node.exits[0].uuid if node.exits else None
    resume = session.resume or {}
    if resuming and r.wait is not None and resume.get("type") == "wait_timeout" and r.wait.timeout:
        session.resume = {**resume, "type": "_consumed_timeout"}
        return route_to_category(session, run, node, r.wait.timeout.category_uuid, "", "", None)
    if r.type == "random":
        return route_random(session, run, node)
    return route_switch(session, run, node)


__all__ = ["route_node"]
