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
from upesi.flows.runtime import evaluate_value, localize

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def route_switch(session: Session, run: Run, node: Node) -> str | None:
    """As goflow's Switch.Route: the operand's value (an error stays an error value), the first case whose
    test passes; a test that errors logs "Error calling test ..." and the next is tried; falling to the
    default with an error operand logs that error as it is."""
    r = node.router
    assert r is not None
    operand = evaluate_value(session, run, r.operand)
    operand_text = "" if isinstance(operand, XError) else to_text(operand)
    session.last_operand = operand_text
    for case in r.cases:
        fn = CASE_TESTS.get(case.type)
        if fn is None:
            continue
        raw_args, _ = localize(session, run, case.uuid, "arguments", case.arguments)
        if len(raw_args) != len(case.arguments):
            raw_args = case.arguments  # translations that don't line up are ignored
        args = [evaluate_value(session, run, a) for a in raw_args]
        result = call_function(fn, session.env, [operand, *args])
        if isinstance(result, XError):
            session.log(error_event(f"Error calling test {case.type.lower()}(...): {result.message}"))
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
        if isinstance(operand, XError):
            session.log(error_event(operand.message))
        return route_to_category(
            session, run, node, r.default_category_uuid, operand_text, operand_text, None
        )
    from upesi.flows.runner import fail_session

    fail_session(session, "Router failed to pick a category")
    return None
