"""@legacy_extra through a full session: trigger params, then each result's extra under the result's key
as JSON text and item by item, with keys made legacy-safe."""

from __future__ import annotations

from typing import Any

from upesi.flows.engine import Engine
from upesi.flows.legacy_extra import extra_text, legacy_key

FLOW_UUID = "f0000000-0000-4000-8000-000000000001"


def _flow() -> dict[str, Any]:
    send = {"type": "send_msg", "text": "@legacy_extra"}
    return {
        "uuid": FLOW_UUID,
        "name": "Extra",
        "spec_version": "14.0.0",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [send | {"uuid": "b0000000-0000-4000-8000-000000000001"}],
                "router": {
                    "type": "switch",
                    "result_name": "Name Check",
                    "operand": "@contact.name",
                    "cases": [
                        {
                            "uuid": "d0000000-0000-4000-8000-000000000001",
                            "type": "has_pattern",
                            "arguments": ["(\\w+)\\s+(\\w+)"],
                            "category_uuid": "c0000000-0000-4000-8000-000000000001",
                        }
                    ],
                    "categories": [
                        {
                            "uuid": "c0000000-0000-4000-8000-000000000001",
                            "name": "Valid",
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
                    {
                        "uuid": "e0000000-0000-4000-8000-000000000001",
                        "destination_uuid": "a0000000-0000-4000-8000-000000000002",
                    },
                    {"uuid": "e0000000-0000-4000-8000-000000000002"},
                ],
            },
            {
                "uuid": "a0000000-0000-4000-8000-000000000002",
                "actions": [send | {"uuid": "b0000000-0000-4000-8000-000000000002"}],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000003"}],
            },
        ],
    }


def test_legacy_extra_merges_params_and_result_extras() -> None:
    contact = {
        "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
        "name": "Ben Haggerty",
        "status": "active",
        "urns": [],
        "created_on": "2024-01-01T00:00:00Z",
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW_UUID, "name": "Extra"},
        "params": {"Home Address": {"city": "Seattle"}},
        "triggered_on": "2024-01-01T00:00:00Z",
    }
    _, sprint = Engine().new_session({"flows": [_flow()]}, contact, trigger)
    texts = [e["msg"]["text"] for e in sprint.events if e["type"] == "msg_created"]
    assert texts == [
        "{home_address: {city: Seattle}}",
        "{0: Ben Haggerty, 1: Ben, 2: Haggerty, home_address: {city: Seattle}, "
        'name_check: {"0":"Ben Haggerty","1":"Ben","2":"Haggerty"}}',
    ]


def test_keys_and_text_as_goflow_writes_them() -> None:
    assert legacy_key("Home Address!") == "home_address_"
    assert len(legacy_key("x" * 300)) == 255
    assert extra_text({"a": "<b>", "n": [1, True, None]}) == '{"a":"\\u003cb\\u003e","n":[1,true,null]}'
