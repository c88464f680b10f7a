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


def test_webhook_body_is_shown_as_received_in_its_sprint() -> None:
    """goflow keeps a result's extra as the bytes received (flows/engine/legacy.go addResult over core.Result.Extra):
    in the sprint of the call, @legacy_extra shows the body with its spacing and key order."""
    import datetime as dt
    import itertools
    from dataclasses import dataclass

    @dataclass
    class Resp:
        status: int
        headers: dict[str, str]
        body: bytes

    class HTTP:
        def request(self, method: str, url: str, headers: dict[str, str], body: Any, timeout: float) -> Resp:
            return Resp(200, {"Content-Type": "application/json"}, b'{ "zeta": 1,  "alpha": "a<b" }')

    flow = {
        "uuid": FLOW_UUID,
        "name": "Extra",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [
                    {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "call_webhook", "method": "GET",
                     "url": "http://example.com/", "headers": {}, "result_name": "Lookup"},
                    {"uuid": "b0000000-0000-4000-8000-000000000002", "type": "send_msg",
                     "text": "@legacy_extra.lookup"},
                ],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}],
            }
        ],
    }  # fmt: skip
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(http=HTTP(), clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
               "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+12065551212"]}  # fmt: skip
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW_UUID, "name": "Extra"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    session, sprint = engine.new_session({"flows": [flow]}, contact, trigger)
    text = next(e for e in sprint.events if e["type"] == "msg_created")["msg"]["text"]
    assert text == '{ "zeta": 1,  "alpha": "a<b" }'
    # the stored result keeps the parsed body, in its received key order
    assert list(session.to_json()["runs"][0]["results"]["lookup"]["extra"]) == ["zeta", "alpha"]
