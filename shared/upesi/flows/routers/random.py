"""The random router: one category chosen uniformly with the engine's RNG."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from upesi.flows.definition import Node
from upesi.flows.routers.common import route_to_category
from upesi.gorand import random_decimal

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_random(session: Session, run: Run, node: Node) -> str | None:
    r = node.router
    assert r is not None
    # as goflow: a decimal draw in [0, 1) scaled by the category count and truncated; the result's
    # value is the chosen index and its input the drawn decimal
    drawn = random_decimal(session.engine.rng)
    idx = min(int(drawn * Decimal(len(r.categories))), len(r.categories) - 1)
    return route_to_category(session, run, node, r.categories[idx].uuid, str(idx), format(drawn, "f"), None)
