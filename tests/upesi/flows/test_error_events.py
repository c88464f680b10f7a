"""Error events as goflow writes them (issue #17 item 10): flows/routers/switch.go (one error per failing
case test, the raw error when falling to the default), flows/engine/run.go (template errors before
deprecation warnings), flows/actions/send_email.go (subject, body, then addresses), flows/engine/session.go
(a step-limit failure ends the innermost run first)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from upesi.flows.engine import Engine

FLOW = "f0000000-0000-4000-8000-000000000001"
CHILD = "f0000000-0000-4000-8000-000000000002"
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
           "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+250788123456"]}  # fmt: skip


def _flow(uuid: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"uuid": uuid, "name": "Flow " + uuid[-1], "spec_version": "14.4.2", "language": "eng",
            "type": "messaging", "nodes": nodes}  # fmt: skip


def _run(flows: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW, "name": "Flow 1"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    session, sprint = engine.new_session({"flows": flows}, CONTACT, trigger)
    return session, sprint.events


def _split(operand: str, cases: list[tuple[str, list[str]]]) -> dict[str, Any]:
    cats = [{"uuid": f"d0000000-0000-4000-8000-00000000000{i}", "name": f"C{i}",
             "exit_uuid": f"e0000000-0000-4000-8000-00000000000{i}"} for i in range(len(cases) + 1)]  # fmt: skip
    return {
        "uuid": "a0000000-0000-4000-8000-00000000a001",
        "actions": [],
        "router": {
            "type": "switch",
            "operand": operand,
            "cases": [
                {
                    "uuid": f"c0000000-0000-4000-8000-00000000000{i}",
                    "type": t,
                    "arguments": args,
                    "category_uuid": cats[i + 1]["uuid"],
                }
                for i, (t, args) in enumerate(cases)
            ],
            "categories": cats,
            "default_category_uuid": cats[0]["uuid"],
        },
        "exits": [{"uuid": c["exit_uuid"]} for c in cats],
    }


def _errors(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "error"]


def test_one_error_per_failing_case_and_the_raw_error_at_the_default() -> None:
    session, events = _run(
        [_flow(FLOW, [_split("@(1 / 0)", [("has_number_between", ["1", "5"]), ("has_text", [])])])]
    )
    assert _errors(events) == [
        "Error calling test has_number_between(...): error calling has_number_between(...): division by zero",
        "Error calling test has_text(...): error calling has_text(...): division by zero",
        "division by zero",
    ]
    # the default category was taken
    assert session.to_json()["runs"][0]["path"][0]["exit_uuid"] == "e0000000-0000-4000-8000-000000000000"


def test_an_erroring_argument_fails_only_its_case() -> None:
    _, events = _run(
        [_flow(FLOW, [_split("7", [("has_number_lt", ["@(1 / 0)"]), ("has_number_gt", ["5"])])])]
    )
    assert _errors(events) == [
        "Error calling test has_number_lt(...): error calling has_number_lt(...): division by zero"
    ]


def test_template_errors_come_before_deprecation_warnings() -> None:
    send = {
        "uuid": "b0000000-0000-4000-8000-000000000001",
        "type": "send_msg",
        "text": "@contact.id @(1 / 0)",
    }
    node = {"uuid": "a0000000-0000-4000-8000-00000000a001", "actions": [send],
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}]}  # fmt: skip
    _, events = _run([_flow(FLOW, [node])])
    kinds = [e["type"] for e in events if e["type"] in ("error", "warning")]
    assert kinds == ["error", "warning"]


def _email(subject: str, body: str, addresses: list[str]) -> list[dict[str, Any]]:
    email = {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "send_email", "subject": subject,
             "body": body, "addresses": addresses}  # fmt: skip
    node = {"uuid": "a0000000-0000-4000-8000-00000000a001", "actions": [email],
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}]}  # fmt: skip
    return _run([_flow(FLOW, [node])])[1]


def test_send_email_stops_at_the_subject() -> None:
    events = _email("@(1 / 0)", "Body", ["@(2 / 0)"])
    assert _errors(events) == [
        "Error evaluating expression: division by zero",
        "Email subject evaluated to empty string, skipping",
    ]  # the addresses were never evaluated


def test_send_email_stops_at_the_body() -> None:
    events = _email("Hi", "@contact.language", ["@(2 / 0)"])
    assert _errors(events) == ["Email body evaluated to empty string, skipping"]


def test_send_email_evaluates_addresses_last() -> None:
    events = _email("Hi", "Body", ["@contact.language", "ops@example.com"])
    assert _errors(events) == ["Email address evaluated to empty string, skipping"]
    assert next(e for e in events if e["type"] == "email_sent")["to"] == ["ops@example.com"]


def test_step_limit_ends_the_innermost_run_first() -> None:
    enter = {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "enter_flow",
             "flow": {"uuid": CHILD, "name": "Flow 2"}}  # fmt: skip
    parent = _flow(FLOW, [{"uuid": "a0000000-0000-4000-8000-00000000a001", "actions": [enter],
                           "exits": [{"uuid": "e0000000-0000-4000-8000-00000000a001"}]}])  # fmt: skip
    loop = "a0000000-0000-4000-8000-00000000b001"
    child = _flow(CHILD, [{"uuid": loop, "actions": [],
                           "exits": [{"uuid": "e0000000-0000-4000-8000-00000000b001", "destination_uuid": loop}]}])  # fmt: skip
    session, events = _run([parent, child])
    assert session.status == "failed"
    ended = [e["flow"]["uuid"] for e in events if e["type"] == "run_ended"]
    assert ended == [CHILD, FLOW]
    assert [e["text"] for e in events if e["type"] == "failure"] == [
        "Reached maximum number of steps per sprint (100)"
    ]
