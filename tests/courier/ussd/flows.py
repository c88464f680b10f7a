"""The USSD flows the session tests dial: a menu with numbered options, free text, quick replies, a screen too
long, and a slow webhook (so the flow cannot answer in time)."""

import uuid
from typing import Any

SERVICE_CODE = "*384*12#"
SLOW_CODE = "*384*13#"
LONG_TEXT = "Your status: " + "all your visits are up to date and the next one is due soon. " * 5


def _u(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ussd-test/{name}"))


def _send(name: str, text: str, quick_replies: list[str] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"uuid": _u(f"{name}/a"), "type": "send_msg", "text": text}
    if quick_replies:
        action["quick_replies"] = quick_replies
    return action


def _wait_node(
    name: str, actions: list[dict[str, Any]], result: str, cases: list[tuple[str, str, str | None]],
    other: str | None,
) -> dict[str, Any]:  # fmt: skip
    """A node that sends, waits for a reply and routes on it: cases are (word, category, destination)."""
    categories = [
        {"uuid": _u(f"{name}/c/{cat}"), "name": cat, "exit_uuid": _u(f"{name}/e/{cat}")}
        for _, cat, _ in cases
    ]
    categories.append({"uuid": _u(f"{name}/c/Other"), "name": "Other", "exit_uuid": _u(f"{name}/e/Other")})
    exits = [{"uuid": _u(f"{name}/e/{cat}"), "destination_uuid": dest} for _, cat, dest in cases]
    exits.append({"uuid": _u(f"{name}/e/Other"), "destination_uuid": other})
    return {
        "uuid": _u(name),
        "actions": actions,
        "router": {
            "type": "switch",
            "operand": "@input.text",
            "wait": {"type": "msg"},
            "result_name": result,
            "cases": [
                {
                    "uuid": _u(f"{name}/case/{cat}"),
                    "type": "has_any_word" if word else "has_text",
                    "arguments": [word] if word else [],
                    "category_uuid": _u(f"{name}/c/{cat}"),
                }
                for word, cat, _ in cases
            ],
            "categories": categories,
            "default_category_uuid": _u(f"{name}/c/Other"),
        },
        "exits": exits,
    }


def _end_node(name: str, text: str) -> dict[str, Any]:
    return {
        "uuid": _u(name),
        "actions": [_send(name, text)],
        "exits": [{"uuid": _u(f"{name}/x"), "destination_uuid": None}],
    }


def menu_flow() -> dict[str, Any]:
    nodes = [
        _wait_node(
            "menu", [_send("menu", "Welcome\n1. Register\n2. My status")], "Menu",
            [("1", "Register", _u("name")), ("2", "Status", _u("status"))], _u("menu"),
        ),
        _wait_node("name", [_send("name", "What is your name?")], "Name", [("", "Has name", _u("confirm"))], None),
        _wait_node(
            "confirm", [_send("confirm", "Thanks @results.name. Register?", ["Yes", "No"])], "Confirm",
            [("Yes", "Yes", _u("done")), ("No", "No", _u("cancelled"))], _u("confirm"),
        ),
        _end_node("done", "Registered @results.name"),
        _end_node("cancelled", "Not registered"),
        _end_node("status", LONG_TEXT),
    ]  # fmt: skip
    return _flow("USSD menu", nodes)


def slow_flow(url: str) -> dict[str, Any]:
    hook = {
        "uuid": _u("hook"),
        "actions": [{"uuid": _u("hook/a"), "type": "call_webhook", "method": "GET", "url": url, "headers": {},
                     "body": "", "result_name": "Result"}],
        "exits": [{"uuid": _u("hook/x"), "destination_uuid": _u("after")}],
    }  # fmt: skip
    after = _wait_node("after", [_send("after", "Looked it up. 1 to go on")], "Go", [("1", "Go", None)], None)
    return _flow("USSD slow", [hook, after], flow_uuid=_u("slow-flow"))


def _flow(name: str, nodes: list[dict[str, Any]], flow_uuid: str | None = None) -> dict[str, Any]:
    return {
        "uuid": flow_uuid or _u("menu-flow"), "name": name, "spec_version": "14.4.2", "language": "eng",
        "type": "messaging", "revision": 1, "expire_after_minutes": 60, "localization": {}, "nodes": nodes,
    }  # fmt: skip
