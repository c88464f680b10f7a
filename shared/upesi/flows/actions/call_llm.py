"""call_llm: asks an LLM (through the engine's LLM service) and puts the answer in a local."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event, missing_dependency
from upesi.flows.runtime import evaluate_text
from upesi.flows.services import LLMResponse, ServiceError

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("llm", "instructions", "output_local")
ERROR_OUTPUT = "<ERROR>"  # the local's value when the LLM couldn't be asked; flows split on it
MAX_TOKENS = 2500


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    resp = _call(session, run, action)
    run.locals[action["output_local"]] = resp.output if resp is not None else ERROR_OUTPUT


def _call(session: Session, run: Run, action: dict[str, Any]) -> LLMResponse | None:
    ref = action["llm"]
    llm = session.assets.llms.get(ref.get("uuid", ""))
    if llm is None:
        session.log(missing_dependency("llm", ref.get("uuid", ""), ref.get("name", "")))
        return None
    instructions = evaluate_text(session, run, action["instructions"])
    inp = evaluate_text(session, run, action.get("input") or "")
    service = session.engine.llm
    if service is None:
        session.log(error_event("no LLM service available"))
        return None
    started = session.now()  # the engine's clock, so elapsed time is reproducible under a test clock
    try:
        resp = service.response(llm, instructions, inp, MAX_TOKENS)
    except ServiceError as e:  # the service's failure becomes an error event, the flow continues
        session.log(error_event(str(e)))
        return None
    elapsed = session.now() - started
    session.log(
        {
            "type": "llm_called",
            "llm": {"uuid": llm["uuid"], "name": llm.get("name", "")},
            "instructions": instructions,
            "input": inp,
            "output": resp.output,
            "tokens": {"input": resp.tokens_input, "output": resp.tokens_output},
            "elapsed_ms": int(elapsed.total_seconds() * 1000),
        }
    )
    return resp
