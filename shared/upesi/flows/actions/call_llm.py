"""call_llm: asks an LLM (through the engine's llm service) and puts the answer in a local."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event, missing_dependency
from upesi.flows.runtime import evaluate_text

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("llm", "instructions", "output_local")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    ref = action["llm"]
    llm = session.assets.llms.get(ref.get("uuid", ""))
    if llm is None:
        session.log(missing_dependency("llm", ref.get("uuid", ""), ref.get("name", "")))
        return
    instructions = evaluate_text(session, run, action["instructions"])
    inp = evaluate_text(session, run, action.get("input") or "")
    local = action["output_local"]
    service = session.engine.llm
    if service is None:
        session.log(error_event("no LLM service configured"))
        run.locals[local] = "<ERROR>"
        return
    started = time.monotonic()
    try:
        output, tokens = service(llm, instructions, inp)
    except Exception as e:  # the service's failure becomes an error event, the flow continues
        session.log(error_event(str(e)))
        run.locals[local] = "<ERROR>"
        return
    run.locals[local] = output
    session.log(
        {
            "type": "llm_called",
            "llm": {"uuid": llm["uuid"], "name": llm.get("name", "")},
            "instructions": instructions,
            "input": inp,
            "output": output,
            "tokens": tokens,
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }
    )
