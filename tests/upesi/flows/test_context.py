"""The run context templates see: built for every evaluation, its parts computed on first use."""

from __future__ import annotations

from typing import Any

from upesi.flows.engine import Engine
from upesi.flows.resumes import new_resume
from upesi.flows.runtime import evaluate_text

FLOW = "f0000000-0000-4000-8000-000000000001"
CHANNEL = "57f1078f-88aa-46f4-a59a-948a5739c03d"
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "id": 42,
    "name": "Ana Silva",
    "status": "active",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": [f"tel:+12065551212?channel={CHANNEL}", "mailto:ana@example.com"],
    "fields": {"age": {"text": "23", "number": 23}, "gender": {"text": "Female"}},
}
ASSETS: dict[str, Any] = {
    "channels": [
        {
            "uuid": CHANNEL,
            "name": "Android",
            "address": "+12065550000",
            "schemes": ["tel"],
            "roles": ["send", "receive"],
        }
    ],
    "fields": [
        {"uuid": "f1b5aea6-6586-41c7-9020-1a6326cc6565", "key": "gender", "name": "Gender", "type": "text"},
        {"uuid": "f2b5aea6-6586-41c7-9020-1a6326cc6565", "key": "age", "name": "Age", "type": "number"},
        {
            "uuid": "f3b5aea6-6586-41c7-9020-1a6326cc6565",
            "key": "joined",
            "name": "Joined",
            "type": "datetime",
        },
    ],
    "flows": [
        {
            "uuid": FLOW,
            "name": "Ctx",
            "spec_version": "14.4.2",
            "language": "eng",
            "type": "messaging",
            "nodes": [
                {
                    "uuid": "a0000000-0000-4000-8000-000000000001",
                    "actions": [],
                    "router": {
                        "type": "switch",
                        "operand": "@input.text",
                        "result_name": "Answer",
                        "wait": {"type": "msg"},
                        "cases": [],
                        "categories": [
                            {
                                "uuid": "c0000000-0000-4000-8000-000000000001",
                                "name": "All",
                                "exit_uuid": "e0000000-0000-4000-8000-000000000001",
                            }
                        ],
                        "default_category_uuid": "c0000000-0000-4000-8000-000000000001",
                    },
                    "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}],
                }
            ],
        }
    ],
}
TRIGGER = {"type": "manual", "flow": {"uuid": FLOW, "name": "Ctx"}, "triggered_on": "2024-01-01T00:00:00Z"}


def _session(contact: dict[str, Any] = CONTACT) -> Any:
    engine = Engine()
    session, _ = engine.new_session(ASSETS, contact, TRIGGER)
    engine.resume(
        session,
        new_resume(
            "msg",
            "2025-05-04T12:10:00Z",
            msg={
                "uuid": "0197b335-6ded-79a4-95a6-3af85b57f108",
                "text": "hello",
                "urn": "tel:+12065551212",
                "attachments": ["image/jpeg:https://x.org/a.jpg"],
            },
        ),
    )
    return session


def _eval(session: Any, template: str) -> str:
    return evaluate_text(session, session.runs[0], template)


def test_contact_properties_and_defaults() -> None:
    s = _session()
    assert _eval(s, "@contact|@contact.first_name|@CONTACT.Name|@contact.uuid") == (
        f"Ana Silva|Ana|Ana Silva|{CONTACT['uuid']}"
    )
    assert _eval(s, "@contact.urn|@contact.channel|@contact.channel.address") == (
        "tel:+12065551212|Android|+12065550000"
    )
    assert _eval(s, "@(contact.urns[1])|@contact.created_on|@(contact.fields.age * 2)") == (
        "mailto:ana@example.com|2024-01-01T00:00:00.000000Z|46"
    )
    unnamed = _session({**CONTACT, "name": ""})
    assert _eval(unnamed, "@contact") == "(206) 555-1212"


def test_deprecated_contact_id_still_works_and_warns() -> None:
    s = _session()
    s.sprint.events.clear()
    assert _eval(s, "@contact.id") == "42"
    assert [(e["type"], e["text"]) for e in s.sprint.events] == [
        ("warning", "@contact.id is deprecated, use @contact.ref instead")
    ]


def test_fields_results_and_input() -> None:
    s = _session()
    assert _eval(s, "@fields") == "Age: 23\nGender: Female"
    assert _eval(s, "@fields.joined|@fields.gender|@(fields.age + 1)") == "|Female|24"
    assert _eval(s, "@results|@results.answer.category|@results.answer.node_uuid") == (
        "Answer: hello|All|a0000000-0000-4000-8000-000000000001"
    )
    assert _eval(s, '@(datetime_diff(results.answer.created_on, results.answer.created_on, "s"))') == "0"
    assert _eval(s, "@input|@input.text|@(input.attachments[0])") == (
        "hello\nhttps://x.org/a.jpg|hello|image/jpeg:https://x.org/a.jpg"
    )
    assert _eval(s, "@results.nothing") == "" and s.sprint.events[-1]["type"] == "error"


def test_each_evaluation_sees_the_current_state() -> None:
    s = _session()
    assert _eval(s, "@contact.first_name @fields.gender") == "Ana Female"
    s.contact["name"] = "Bea Lima"
    s.contact["fields"]["gender"] = {"text": "Other"}
    s.runs[0].results["answer"] = {**s.runs[0].results["answer"], "value": "bye"}
    assert _eval(s, "@contact.first_name @fields.gender @results.answer") == "Bea Other bye"
