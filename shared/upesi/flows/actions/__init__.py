"""Actions: one module per type, each exposing FLOW_TYPES and execute(session, run, node, action)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from upesi.flows.definition.errors import FlowReadError

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

_TYPES = [
    "send_msg", "set_contact_name", "set_contact_field", "set_contact_language", "set_contact_timezone",
    "set_contact_status", "set_contact_channel", "add_contact_groups", "remove_contact_groups", "add_contact_urn",
    "add_input_labels", "set_run_result", "set_run_local", "call_webhook", "call_resthook", "call_llm",
    "call_classifier", "enter_flow", "start_session", "send_broadcast", "send_email", "open_ticket",
    "transfer_airtime", "say_msg", "play_audio", "request_optin",
]  # fmt: skip

ACTIONS: dict[str, ModuleType] = {}
for _t in _TYPES:
    try:
        ACTIONS[_t] = importlib.import_module(f"upesi.flows.actions.{_t}")
    except ModuleNotFoundError as e:  # an action type whose module isn't written yet
        if e.name != f"upesi.flows.actions.{_t}":
            raise


def validate_action(action: dict[str, Any], where: str) -> None:
    mod = ACTIONS[action["type"]]
    for field in getattr(mod, "REQUIRED", ()):
        if action.get(field) is None:
            raise FlowReadError(f"{where}: field '{field}' is required")
    from upesi.flows.actions.limits import check_limits

    check_limits(action, where)
    v = getattr(mod, "validate", None)
    if v is not None:
        v(action, where)


def execute_action(session: Session, run: Run, node: Node, action: dict[str, Any]) -> Any:
    return ACTIONS[action["type"]].execute(session, run, node, action)
