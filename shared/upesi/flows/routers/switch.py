"""The switch router: evaluate the operand, test the cases in order, else the default category."""

from __future__ import annotations

from typing import TYPE_CHECKING

from upesi.excellent.cases import CASE_TESTS
from upesi.excellent.evaluator import call_function
from upesi.excellent.types.convert import to_json_value, to_text, truthy
from upesi.excellent.types.values import XError, XObject
from upesi.flows.definition import Node
from upesi.flows.events import error_event
from upesi.flows.routers.common import route_to_category
from upesi.flows.runtime import evaluate_text, evaluate_value, localize

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_switch(session: Session, run: Run, node: Node) -> str | None:
    r = node.router
    assert r is not None
    operand = evaluate_value(session, run, r.operand)
    operand_text = to_text(operand)
    session.last_operand = operand_text
    for case in r.cases:
        fn = CASE_TESTS.get(case.type)
        if fn is None:
            continue
        raw_args, _ = localize(session, run, case.uuid, "arguments", case.arguments)
        args = [evaluate_text(session, run, a) for a in raw_args]
        result = call_function(fn, session.env, [operand, *args])
        if isinstance(result, XError):
            session.log(error_event(result.message))
            continue
        if truthy(result):
            match = result.get("match", None) if isinstance(result, XObject) else None
            extra = result.get("extra", None) if isinstance(result, XObject) else None
            return route_to_category(
                session,
                run,
                node,
                case.category_uuid,
                to_text(match),
                operand_text,
                to_json_value(extra) if extra is not None else None,
            )
    if r.default_category_uuid:
        return route_to_category(
            session, run, node, r.default_category_uuid, operand_text, operand_text, None
        )
    from upesi.flows.runner import fail_session

    fail_session(session, "Router failed to pick a category")
    return None
