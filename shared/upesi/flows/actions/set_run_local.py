"""set_run_local: sets, increments or clears a run local (@locals.x); no event."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from upesi.excellent.types.convert import format_decimal
from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition.errors import FlowReadError
from upesi.flows.runtime import evaluate_text

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("local",)
_LOCAL_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
MAX_LOCAL_CHARS = 640


def validate(action: dict[str, Any], where: str) -> None:
    if not _LOCAL_RE.match(action.get("local") or ""):
        raise FlowReadError(f"{where}: field 'local' is not a valid local name")
    if action.get("operation", "set") not in ("set", "increment", "clear"):
        raise FlowReadError(f"{where}: field 'operation' must be one of set, increment, clear")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    name = action["local"]
    op = action.get("operation") or "set"
    if op == "clear":
        run.locals.pop(name, None)
        return
    value = evaluate_text(session, run, action.get("value") or "")
    if op == "increment":
        try:
            current = Decimal(str(run.locals.get(name) or "0"))
            delta = Decimal(value.strip())
        except InvalidOperation:
            from upesi.flows.events import error_event

            session.log(error_event("Increment value is not an integer"))
            return
        run.locals[name] = format_decimal(current + delta)
        return
    run.locals[name] = value[:MAX_LOCAL_CHARS]
