"""Reading and writing sessions: what the services store must survive the round trip unchanged, the
caller's dicts must not be shared with the session, and times read are written back as they were."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

from upesi.flows.clock import iso, parse_iso
from upesi.flows.engine import Engine
from upesi.flows.resumes import new_resume
from upesi.flows.runs import read_time, write_time
from upesi.flows.session import copy_json

FLOW = "f0000000-0000-4000-8000-000000000001"
ASK = "a0000000-0000-4000-8000-000000000001"
THANKS = "a0000000-0000-4000-8000-000000000002"
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "Ana Silva",
    "status": "active",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": ["tel:+250788123123"],
    "fields": {"age": {"text": "23", "number": 23}},
    "groups": [{"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"}],
}
TRIGGER = {"type": "manual", "flow": {"uuid": FLOW, "name": "T"}, "triggered_on": "2024-01-01T00:00:00Z"}
ASSETS = {
    "fields": [
        {"uuid": "f1b5aea6-6586-41c7-9020-1a6326cc6565", "key": "age", "name": "Age", "type": "number"}
    ],
    "flows": [
        {
            "uuid": FLOW,
            "name": "T",
            "spec_version": "14.4.2",
            "language": "eng",
            "type": "messaging",
            "nodes": [
                {
                    "uuid": ASK,
                    "actions": [],
                    "router": {
                        "type": "switch",
                        "operand": "@input.text",
                        "result_name": "Answer",
                        "wait": {"type": "msg"},
                        "cases": [
                            {
                                "uuid": "c1000000-0000-4000-8000-000000000001",
                                "type": "has_number",
                                "arguments": [],
                                "category_uuid": "c0000000-0000-4000-8000-000000000001",
                            }
                        ],
                        "categories": [
                            {
                                "uuid": "c0000000-0000-4000-8000-000000000001",
                                "name": "Number",
                                "exit_uuid": "e0000000-0000-4000-8000-000000000001",
                            },
                            {
                                "uuid": "c0000000-0000-4000-8000-000000000002",
                                "name": "Other",
                                "exit_uuid": "e0000000-0000-4000-8000-000000000002",
                            },
                        ],
                        "default_category_uuid": "c0000000-0000-4000-8000-000000000002",
                    },
                    "exits": [
                        {"uuid": "e0000000-0000-4000-8000-000000000001", "destination_uuid": THANKS},
                        {"uuid": "e0000000-0000-4000-8000-000000000002", "destination_uuid": THANKS},
                    ],
                },
                {
                    "uuid": THANKS,
                    "actions": [
                        {
                            "uuid": "b0000000-0000-4000-8000-000000000001",
                            "type": "send_msg",
                            "text": "@contact.first_name said @results.answer (@results.answer.category), "
                            "age @(fields.age + 1)",
                        }
                    ],
                    "exits": [{"uuid": "e0000000-0000-4000-8000-000000000009", "destination_uuid": ASK}],
                },
            ],
        }
    ],
}
RESUME = new_resume(
    "msg",
    "2025-05-04T12:10:00Z",
    msg={"uuid": "0197b335-6ded-79a4-95a6-3af85b57f108", "text": "I am 24", "urn": "tel:+250788123123"},
)


def _waiting() -> dict:
    session, _ = Engine().new_session(ASSETS, CONTACT, TRIGGER)
    assert session.status == "waiting"
    return json.loads(json.dumps(session.to_json()))


def test_a_session_read_and_written_back_is_unchanged() -> None:
    stored = _waiting()
    restored = Engine().read_session(ASSETS, copy.deepcopy(stored))
    assert restored.to_json() == stored


def test_resuming_from_stored_json_twice_gives_the_same_sprint() -> None:
    stored = _waiting()
    snapshot = copy.deepcopy(stored)
    engine = Engine()
    sprints = []
    for _ in range(2):
        s = engine.read_session(ASSETS, stored)
        sprint = engine.resume(s, RESUME)
        sprints.append([(e["type"], e.get("msg", {}).get("text")) for e in sprint.events])
        assert s.status == "waiting"
    assert sprints[0] == sprints[1]
    assert ("msg_created", "Ana said 24 (Number), age 24") in sprints[0]
    assert stored == snapshot  # resuming never writes into the JSON it was read from


def test_resume_rewrites_changed_times_and_keeps_the_others() -> None:
    stored = _waiting()
    engine = Engine()
    s = engine.read_session(ASSETS, stored)
    engine.resume(s, RESUME)
    out = json.loads(json.dumps(s.to_json()))
    before, after = stored["runs"][0], out["runs"][0]
    assert after["created_on"] == before["created_on"]
    assert after["path"][0]["arrived_on"] == before["path"][0]["arrived_on"]
    assert after["modified_on"] != before["modified_on"]
    assert parse_iso(after["modified_on"]) >= parse_iso(before["modified_on"])
    assert len(after["path"]) == 3 and after["path"][0]["exit_uuid"]


def test_session_contact_is_not_shared_with_the_caller_or_the_output() -> None:
    stored = _waiting()
    caller_contact = copy.deepcopy(CONTACT)
    s = Engine().read_session(ASSETS, dict(stored, contact=caller_contact))
    s.contact["fields"]["age"]["number"] = 99
    s.contact["urns"].append("tel:+250788000000")
    assert caller_contact == CONTACT
    out = s.to_json()
    s.contact["groups"].clear()
    assert out["contact"]["groups"] == CONTACT["groups"]
    assert out["contact"]["fields"]["age"]["number"] == 99


def test_copy_json_copies_containers_and_keeps_values_json_has_no_type_for() -> None:
    v = {
        "a": [1, {"b": "é"}],
        "n": None,
        "f": 1.5,
        "big": 2**70,
        "d": Decimal("1.50"),
        "t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "tuple": (1, [2]),
    }
    c = copy_json(v)
    assert c == v
    assert c["a"] is not v["a"] and c["a"][1] is not v["a"][1]
    assert type(c["d"]) is Decimal and str(c["d"]) == "1.50" and type(c["t"]) is dt.datetime
    plain = {"x": [{"y": 1}], "z": "s"}
    copied = copy_json(plain)
    copied["x"][0]["y"] = 2
    assert plain == {"x": [{"y": 1}], "z": "s"}


def test_times_in_the_form_written_are_kept_others_are_normalised() -> None:
    s = "2025-05-04T12:10:00.123456Z"
    v, read = read_time(s)
    assert v == dt.datetime(2025, 5, 4, 12, 10, 0, 123456, tzinfo=dt.UTC) and v.tzinfo is dt.UTC
    assert write_time(v, read) == s
    assert write_time(v + dt.timedelta(seconds=1), read) == "2025-05-04T12:10:01.123456Z"
    for other in [
        "2025-05-04T12:10:00.123456789Z",
        "2025-05-04T14:10:00.123456+02:00",
        "2025-05-04T12:10:00Z",
    ]:
        v2, read2 = read_time(other)
        assert read2 is None and v2 == parse_iso(other)
        assert write_time(v2, read2) == iso(parse_iso(other))
    assert read_time("nonsense") == (None, None) and read_time(None) == (None, None)
    early, read_early = read_time("0999-01-01T00:00:00.000000Z")
    assert read_early is None and early == dt.datetime(999, 1, 1, tzinfo=dt.UTC)
