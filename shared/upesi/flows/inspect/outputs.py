"""What each action type leaves for later nodes to read: run results (a name and its categories) and locals.
Every action type the engine reads (upesi.flows.actions.ACTIONS) is listed in each table, those that leave
nothing among the NO_ ones, so a new action type cannot be inspected before someone says what it writes
(tests/upesi/flows/test_inspect_outputs.py); read_flow refuses an unknown type before inspection gets here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upesi.flows.actions import open_ticket, transfer_airtime

Action = dict[str, Any]
Results = list[tuple[str, list[str]]]


def _named_result(categories: list[str]) -> Callable[[Action], Results]:
    def results(a: Action) -> Results:
        return [(a["result_name"], categories)] if a.get("result_name") else []

    return results


def _local(key: str) -> Callable[[Action], list[str]]:
    def locals_(a: Action) -> list[str]:
        return [a[key]] if a.get(key) else []

    return locals_


ACTION_RESULTS: dict[str, Callable[[Action], Results]] = {
    "set_run_result": lambda a: (
        [(a["name"], [a["category"]] if a.get("category") else [])] if a.get("name") else []
    ),
    "call_webhook": _named_result(["Success", "Failure"]),
    "call_resthook": _named_result(["Success", "Failure"]),
    "call_classifier": _named_result(["Success", "Skipped", "Failure"]),
}
NO_RESULTS = frozenset({
    "send_msg", "set_contact_name", "set_contact_field", "set_contact_language", "set_contact_timezone",
    "set_contact_status", "set_contact_channel", "add_contact_groups", "remove_contact_groups", "add_contact_urn",
    "add_input_labels", "set_run_local", "call_llm", "enter_flow", "start_session", "send_broadcast", "send_email",
    "open_ticket", "transfer_airtime", "say_msg", "play_audio", "request_optin",
})  # fmt: skip

ACTION_LOCALS: dict[str, Callable[[Action], list[str]]] = {
    "set_run_local": _local("local"),
    "call_llm": _local("output_local"),
    "add_contact_urn": lambda a: ["_has_urn"],  # as inspection had it, though our action sets no local
    "open_ticket": lambda a: [open_ticket.OUTPUT_LOCAL],
    "transfer_airtime": lambda a: [transfer_airtime.OUTPUT_LOCAL],
}
NO_LOCALS = frozenset({
    "send_msg", "set_contact_name", "set_contact_field", "set_contact_language", "set_contact_timezone",
    "set_contact_status", "set_contact_channel", "add_contact_groups", "remove_contact_groups",
    "add_input_labels", "set_run_result", "call_webhook", "call_resthook", "call_classifier", "enter_flow",
    "start_session", "send_broadcast", "send_email", "say_msg", "play_audio", "request_optin",
})  # fmt: skip


class UninspectedAction(ValueError):
    """An action type neither table lists: say what it writes (or that it writes nothing) first."""


def _owned(table: dict[str, Callable[[Action], list[Any]]], none: frozenset[str], a: Action) -> list[Any]:
    if a["type"] in table:
        return table[a["type"]](a)
    if a["type"] in none:
        return []
    raise UninspectedAction(f"action type {a['type']!r} has no entry in upesi.flows.inspect.outputs")


def action_results(a: Action) -> Results:
    return _owned(ACTION_RESULTS, NO_RESULTS, a)


def action_locals(a: Action) -> list[str]:
    return _owned(ACTION_LOCALS, NO_LOCALS, a)
