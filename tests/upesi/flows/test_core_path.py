"""The core path the services rely on: ask a question, wait, save the answer, reply with it."""

from __future__ import annotations

import datetime as dt
import itertools

from upesi.flows.engine import Engine

FLOW_UUID = "8ca44c09-791d-453a-9799-a70dd3303306"
ASK, THANK = "a1a1a1a1-0000-4000-8000-000000000001", "a1a1a1a1-0000-4000-8000-000000000002"


def _flow() -> dict:
    return {
        "uuid": FLOW_UUID,
        "name": "Name Collector",
        "spec_version": "13.1.0",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": ASK,
                "actions": [
                    {
                        "uuid": "b1000000-0000-4000-8000-000000000001",
                        "type": "send_msg",
                        "text": "What is your name?",
                    }
                ],
                "router": {
                    "type": "switch",
                    "wait": {"type": "msg"},
                    "result_name": "Name",
                    "operand": "@input.text",
                    "cases": [
                        {
                            "uuid": "c1000000-0000-4000-8000-000000000001",
                            "type": "has_text",
                            "arguments": [],
                            "category_uuid": "d1000000-0000-4000-8000-000000000001",
                        }
                    ],
                    "categories": [
                        {
                            "uuid": "d1000000-0000-4000-8000-000000000001",
                            "name": "Has Text",
                            "exit_uuid": "e1000000-0000-4000-8000-000000000001",
                        },
                        {
                            "uuid": "d1000000-0000-4000-8000-000000000002",
                            "name": "Other",
                            "exit_uuid": "e1000000-0000-4000-8000-000000000002",
                        },
                    ],
                    "default_category_uuid": "d1000000-0000-4000-8000-000000000002",
                },
                "exits": [
                    {"uuid": "e1000000-0000-4000-8000-000000000001", "destination_uuid": THANK},
                    {"uuid": "e1000000-0000-4000-8000-000000000002", "destination_uuid": ASK},
                ],
            },
            {
                "uuid": THANK,
                "actions": [
                    {
                        "uuid": "b1000000-0000-4000-8000-000000000002",
                        "type": "set_contact_name",
                        "name": "@results.name",
                    },
                    {
                        "uuid": "b1000000-0000-4000-8000-000000000003",
                        "type": "send_msg",
                        "text": "Thanks @contact.name!",
                    },
                ],
                "exits": [{"uuid": "e1000000-0000-4000-8000-000000000003"}],
            },
        ],
    }


ASSETS = {
    "flows": [_flow()],
    "channels": [
        {
            "uuid": "57f1078f-88aa-46f4-a59a-948a5739c03d",
            "name": "Android",
            "address": "+12345",
            "schemes": ["tel"],
            "roles": ["send", "receive"],
            "country": "US",
        }
    ],
}
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "",
    "status": "active",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": ["tel:+12065551212"],
}
TRIGGER = {
    "type": "manual",
    "flow": {"uuid": FLOW_UUID, "name": "Name Collector"},
    "triggered_on": "2024-01-01T00:00:00Z",
}


def _engine() -> Engine:
    ticks = itertools.count()
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    n = itertools.count(1)
    return Engine(
        clock=lambda: start + dt.timedelta(seconds=next(ticks)),
        uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}",
    )


def _msg_resume(text: str) -> dict:
    return {
        "type": "msg",
        "resumed_on": "2025-05-04T12:10:00Z",
        "event": {
            "type": "msg_received",
            "uuid": "0197b335-6ded-79a4-95a6-3af85b57f108",
            "created_on": "2025-05-04T12:10:00Z",
            "msg": {"urn": "tel:+12065551212", "text": text},
        },
    }


def test_question_wait_answer() -> None:
    engine = _engine()
    session, sprint = engine.new_session(ASSETS, CONTACT, TRIGGER)
    assert [e["type"] for e in sprint.events] == ["run_started", "msg_created", "msg_wait"]
    assert sprint.events[1]["msg"]["text"] == "What is your name?"
    assert sprint.events[1]["msg"]["urn"] == "tel:+12065551212"
    assert session.status == "waiting"

    sprint = engine.resume(session, _msg_resume("Ana"))
    types = [e["type"] for e in sprint.events]
    assert types == ["run_result_changed", "contact_name_changed", "msg_created", "run_ended"]
    assert sprint.events[0]["name"] == "Name" and sprint.events[0]["value"] == "Ana"
    assert sprint.events[2]["msg"]["text"] == "Thanks Ana!"
    assert session.status == "completed"
    assert session.contact["name"] == "Ana"
    assert sprint.segments and sprint.segments[0]["operand"] == "Ana"


def test_session_json_round_trip_then_resume() -> None:
    engine = _engine()
    session, _ = engine.new_session(ASSETS, CONTACT, TRIGGER)
    data = session.to_json()
    assert data["status"] == "waiting" and data["runs"][0]["status"] == "waiting"
    restored = engine.read_session(ASSETS, data)
    assert restored.to_json() == data
    sprint = engine.resume(restored, _msg_resume("Ana"))
    assert [e["msg"]["text"] for e in sprint.events if e["type"] == "msg_created"] == ["Thanks Ana!"]
    assert restored.to_json()["runs"][0]["results"]["name"]["value"] == "Ana"


def test_other_category_loops_back() -> None:
    engine = _engine()
    session, _ = engine.new_session(ASSETS, CONTACT, TRIGGER)
    sprint = engine.resume(session, _msg_resume("   "))
    assert [e["type"] for e in sprint.events] == ["run_result_changed", "msg_created", "msg_wait"]
    assert sprint.events[0]["category"] == "Other"
    assert session.status == "waiting"
