"""The random router: one category chosen uniformly with the engine's RNG."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from upesi.flows.definition import Node
from upesi.flows.routers.common import route_to_category

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_random(session: Session, run: Run, node: Node) -> str | None:
    r = node.router
    assert r is not None
    x = session.engine.rng.random()
    idx = min(int(x * len(r.categories)), len(r.categories) - 1)
    # the result's value is the chosen category's index and its input the random number drawn
    drawn = format(Decimal(repr(x)).quantize(Decimal("1E-15")).normalize(), "f")
    return route_to_category(session, run, node, r.categories[idx].uuid, str(idx), drawn, None)
