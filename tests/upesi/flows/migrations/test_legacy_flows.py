"""Legacy (pre spec 13) flow definitions: RapidPro's 11.8 step and goflow's email action conversion."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from upesi.flows.definition import read_flow
from upesi.flows.definition.migrate import migrate_flow
from upesi.flows.engine import Engine

FLOW_UUID = "f1f1f1f1-0000-4000-8000-000000000001"
ENTRY = "a0a0a0a0-0000-4000-8000-000000000001"
SPLIT = "a0a0a0a0-0000-4000-8000-000000000002"
DUP = "24b3a3a5-1ce8-45d4-87e5-0fa0159a9cab"  # as in RapidPro's migrate_to_11_8.json: reused across rulesets


def _legacy(version: str, email_msg: Any) -> dict[str, Any]:
    def rule(uuid: str, cat: str, test: dict[str, Any]) -> dict[str, Any]:
        return {"uuid": uuid, "category": {"base": cat}, "test": test}

    return {
        "version": version,
        "base_language": "base",
        "entry": ENTRY,
        "flow_type": "F",
        "metadata": {"uuid": FLOW_UUID, "name": "Legacy", "revision": 1, "expires": 10080},
        "action_sets": [
            {
                "uuid": ENTRY,
                "x": 0,
                "y": 0,
                "destination": SPLIT,
                "actions": [
                    {
                        "type": "email",
                        "uuid": "e0e0e0e0-0000-4000-8000-000000000001",
                        "emails": ["ops@example.com"],
                        "subject": "Order @extra.order",
                        "msg": email_msg,
                    }
                ],
            }
        ],
        "rule_sets": [
            {
                "uuid": SPLIT,
                "x": 0,
                "y": 200,
                "label": "Lookup",
                "ruleset_type": "expression",
                "operand": "@step.value",
                "rules": [
                    rule(DUP, "Yes", {"type": "contains_any", "test": {"base": "yes"}}),
                    rule(
                        "774e6911-cb63-4700-99bc-5e16966393b8",
                        "No",
                        {"type": "contains_any", "test": {"base": "no"}},
                    ),
                    rule(DUP, "Maybe", {"type": "contains_any", "test": {"base": "maybe"}}),
                    rule("", "Other", {"type": "true"}),
                ],
            }
        ],
    }


def _exit_uuids(d: dict[str, Any]) -> list[str]:
    return [e["uuid"] for n in d["nodes"] for e in n["exits"]]


def test_duplicate_rule_uuids_are_renewed_before_11_8() -> None:
    original = _legacy("11.7", "hello")
    before = copy.deepcopy(original)
    migrated = migrate_flow(original)
    exits = _exit_uuids(migrated)
    assert len(exits) == len(set(exits)) == 5  # 1 action set exit + 4 rules
    assert DUP in exits  # the first use keeps its UUID, the second and the empty one are new
    assert "774e6911-cb63-4700-99bc-5e16966393b8" in exits
    read_flow(migrated)  # and the flow is valid
    assert original == before  # the input is not changed


def test_email_message_translation_map_becomes_base_text_and_runs() -> None:
    legacy = _legacy("11.12", {"base": "Customer @contact.name wrote", "fra": "Client @contact.name"})
    legacy["rule_sets"][0]["rules"] = [legacy["rule_sets"][0]["rules"][-1]]
    legacy["rule_sets"][0]["rules"][0]["uuid"] = "5e5e5e5e-0000-4000-8000-000000000001"
    migrated = migrate_flow(legacy)
    email = migrated["nodes"][0]["actions"][0]
    assert email["type"] == "send_email"
    assert email["body"] == "Customer @contact.name wrote"
    assert email["subject"] == "Order @legacy_extra.order"
    assert email["addresses"] == ["ops@example.com"]

    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    contact = {
        "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
        "name": "Ana",
        "status": "active",
        "created_on": "2024-01-01T00:00:00Z",
        "urns": ["tel:+12065551212"],
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW_UUID, "name": "Legacy"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    session, sprint = engine.new_session({"flows": [legacy]}, contact, trigger)
    sent = [e for e in sprint.events if e["type"] == "email_sent"]
    assert sent and sent[0]["body"] == "Customer Ana wrote"
    assert session.status == "completed"
