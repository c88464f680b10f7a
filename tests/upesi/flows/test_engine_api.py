"""The engine contract the services use: timeouts, expirations, webhooks through the http object,
localization, limits, definition errors and migrations."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from upesi.flows.definition import FlowValidationError, migrate_flow, read_flow
from upesi.flows.engine import Engine
from upesi.flows.resumes import ResumeError, new_resume

FLOW = "f0000000-0000-4000-8000-000000000001"
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "Ana",
    "status": "active",
    "language": "spa",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": ["tel:+250788123123"],
}
TRIGGER = {"type": "manual", "flow": {"uuid": FLOW, "name": "T"}, "triggered_on": "2024-01-01T00:00:00Z"}


def _node(uuid: str, actions: list, router: dict | None = None, exits: list | None = None) -> dict:
    return {
        "uuid": uuid,
        "actions": actions,
        **({"router": router} if router else {}),
        "exits": exits or [{"uuid": uuid[:-1] + "e"}],
    }


def _wait_flow() -> dict:
    ask = {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "send_msg", "text": "Ready?"}
    router = {
        "type": "switch",
        "operand": "@input.text",
        "result_name": "Answer",
        "wait": {
            "type": "msg",
            "timeout": {"seconds": 300, "category_uuid": "c0000000-0000-4000-8000-000000000002"},
        },
        "cases": [],
        "categories": [
            {
                "uuid": "c0000000-0000-4000-8000-000000000001",
                "name": "All",
                "exit_uuid": "e0000000-0000-4000-8000-000000000001",
            },
            {
                "uuid": "c0000000-0000-4000-8000-000000000002",
                "name": "No Response",
                "exit_uuid": "e0000000-0000-4000-8000-000000000002",
            },
        ],
        "default_category_uuid": "c0000000-0000-4000-8000-000000000001",
    }
    late = {"uuid": "b0000000-0000-4000-8000-000000000002", "type": "send_msg", "text": "Too late"}
    return {
        "uuid": FLOW,
        "name": "T",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "localization": {"spa": {ask["uuid"]: {"text": ["¿Listo?"]}}},
        "nodes": [
            _node(
                "a0000000-0000-4000-8000-000000000001",
                [ask],
                router,
                [
                    {"uuid": "e0000000-0000-4000-8000-000000000001"},
                    {
                        "uuid": "e0000000-0000-4000-8000-000000000002",
                        "destination_uuid": "a0000000-0000-4000-8000-000000000002",
                    },
                ],
            ),
            _node("a0000000-0000-4000-8000-000000000002", [late]),
        ],
    }


def test_localization_follows_contact_language_when_allowed() -> None:
    env = {"allowed_languages": ["eng", "spa"]}
    _, sprint = Engine().new_session({"flows": [_wait_flow()]}, CONTACT, TRIGGER, environment=env)
    assert sprint.events[1]["msg"]["text"] == "¿Listo?"
    _, sprint = Engine().new_session({"flows": [_wait_flow()]}, CONTACT, TRIGGER)  # spa not allowed
    assert sprint.events[1]["msg"]["text"] == "Ready?"


def test_wait_timeout_takes_timeout_category() -> None:
    engine = Engine()
    session, sprint = engine.new_session({"flows": [_wait_flow()]}, CONTACT, TRIGGER)
    assert sprint.events[-1]["type"] == "msg_wait" and sprint.events[-1]["timeout_seconds"] == 300
    sprint = engine.resume(session, new_resume("wait_timeout", "2024-01-01T00:10:00Z"))
    assert [e["type"] for e in sprint.events] == ["run_result_changed", "msg_created", "run_ended"]
    assert sprint.events[0]["category"] == "No Response"
    with pytest.raises(ResumeError):
        engine.resume(session, new_resume("wait_timeout", "2024-01-01T00:10:00Z"))


def test_expiration_ends_the_run() -> None:
    engine = Engine()
    session, _ = engine.new_session({"flows": [_wait_flow()]}, CONTACT, TRIGGER)
    restored = engine.read_session(
        {"flows": [_wait_flow()]}, session.to_json(), environment={"timezone": "Africa/Kigali"}
    )
    sprint = engine.resume(restored, new_resume("wait_expiration", "2024-01-01T00:10:00Z"))
    assert [(e["type"], e.get("status")) for e in sprint.events] == [("run_ended", "expired")]
    assert restored.to_json()["runs"][0]["status"] == "expired"


@dataclass
class _Resp:
    status: int
    headers: dict
    body: bytes


class _FakeHTTP:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def request(self, method: str, url: str, headers: dict, body: str | None, timeout: float) -> _Resp:
        self.calls.append((method, url, headers, body))
        return _Resp(201, {"Content-Type": "application/json"}, b'{"id": 42}')


def test_webhook_goes_through_http_interface() -> None:
    hook = {
        "uuid": "b0000000-0000-4000-8000-000000000003",
        "type": "call_webhook",
        "method": "POST",
        "url": "https://example.com/hook?name=@(url_encode(contact.name))",
        "headers": {"X-Token": "abc"},
        "body": '{"name": "@contact.name"}',
        "result_name": "Hook",
    }
    thanks = {
        "uuid": "b0000000-0000-4000-8000-000000000004",
        "type": "send_msg",
        "text": "id=@webhook.json.id",
    }
    flow = {
        "uuid": FLOW,
        "name": "T",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [_node("a0000000-0000-4000-8000-000000000001", [hook, thanks])],
    }
    http = _FakeHTTP()
    _, sprint = Engine(http=http).new_session({"flows": [flow]}, CONTACT, TRIGGER)
    assert http.calls == [
        ("POST", "https://example.com/hook?name=Ana", {"X-Token": "abc"}, '{"name": "Ana"}')
    ]
    called = next(e for e in sprint.events if e["type"] == "webhook_called")
    assert called["status_code"] == 201 and called["status"] == "success"
    result = next(e for e in sprint.events if e["type"] == "run_result_changed")
    assert (result["value"], result["category"], result["extra"]) == ("201", "Success", {"id": 42})
    assert sprint.events[-2]["msg"]["text"] == "id=42"


def test_step_limit_fails_the_session() -> None:
    loop = {
        "uuid": FLOW,
        "name": "T",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            _node(
                "a0000000-0000-4000-8000-000000000001",
                [],
                exits=[
                    {
                        "uuid": "e0000000-0000-4000-8000-000000000001",
                        "destination_uuid": "a0000000-0000-4000-8000-000000000001",
                    }
                ],
            )
        ],
    }
    session, sprint = Engine().new_session({"flows": [loop]}, CONTACT, TRIGGER)
    assert session.status == "failed"
    assert sprint.events[-2]["type"] == "failure"


def test_read_flow_errors_name_the_culprit() -> None:
    bad = copy.deepcopy(_wait_flow())
    bad["nodes"][0]["router"]["cases"] = [
        {
            "uuid": "d0000000-0000-4000-8000-000000000001",
            "type": "has_magic",
            "arguments": [],
            "category_uuid": "c0000000-0000-4000-8000-000000000001",
        }
    ]
    with pytest.raises(
        FlowValidationError, match=r"node\[uuid=a0000000-0000-4000-8000-000000000001\].*has_magic"
    ):
        read_flow(bad)


def test_migrate_flow_keeps_ui_and_reaches_current_spec() -> None:
    old = copy.deepcopy(_wait_flow())
    old["spec_version"] = "13.1.0"
    old["language"] = "base"
    old["_ui"] = {"nodes": {"x": {"position": {"left": 1, "top": 2}}}}
    new = migrate_flow(old)
    assert new["spec_version"] == "14.4.2" and new["language"] == "und"
    assert new["_ui"] == old["_ui"] and old["spec_version"] == "13.1.0"


def test_interrupt_ends_waiting_runs() -> None:
    engine = Engine()
    session, _ = engine.new_session({"flows": [_wait_flow()]}, CONTACT, TRIGGER)
    sprint = engine.interrupt(session)
    assert [(e["type"], e["status"]) for e in sprint.events] == [("run_ended", "interrupted")]
    data = session.to_json()
    assert data["status"] == "interrupted" and data["runs"][0]["status"] == "interrupted"
    with pytest.raises(ResumeError):
        engine.resume(session, new_resume("wait_timeout", "2024-01-01T00:10:00Z"))
