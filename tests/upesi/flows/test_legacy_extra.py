"""@legacy_extra through a full session: trigger params, then each result's extra under the result's key
as JSON text and item by item, with keys made legacy-safe."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
import pytest

from tests.support.services import PG_ADMIN_DSN
from upesi.flows.engine import Engine
from upesi.flows.legacy_extra import extra_text, go_compact, legacy_key
from upesi.flows.session import Session
from upesi.flows.webhooks import WebhookCall

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


# -- a webhook body as received (#17 item 12) ----------------------------------------------------------
# goflow keeps a result's extra as the bytes received (core.Result.Extra is a json.RawMessage; flows/engine/
# legacy.go addResult shows string(result.Extra)): as received in the sprint of the call, and after a
# session write (jsonx.Marshal compacts a RawMessage, keeping its key order and escapes) compact.


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes


class HTTP:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def request(self, method: str, url: str, headers: dict[str, str], body: Any, timeout: float) -> Resp:
        return Resp(200, {"Content-Type": "application/json"}, self.body)


# a webhook call, then @legacy_extra.lookup; waits for a message, then @legacy_extra.lookup again
WEBHOOK_FLOW = {
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
            "router": {"type": "switch", "wait": {"type": "msg"}, "operand": "@input.text", "cases": [],
                       "categories": [{"uuid": "c0000000-0000-4000-8000-000000000009", "name": "All",
                                       "exit_uuid": "e0000000-0000-4000-8000-000000000001"}],
                       "default_category_uuid": "c0000000-0000-4000-8000-000000000009"},
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001",
                       "destination_uuid": "a0000000-0000-4000-8000-000000000002"}],
        },
        {
            "uuid": "a0000000-0000-4000-8000-000000000002",
            "actions": [{"uuid": "b0000000-0000-4000-8000-000000000003", "type": "send_msg",
                         "text": "@legacy_extra.lookup"}],
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000002"}],
        },
    ],
}  # fmt: skip
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
           "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+12065551212"]}  # fmt: skip
TRIGGER = {
    "type": "manual",
    "flow": {"uuid": FLOW_UUID, "name": "Extra"},
    "triggered_on": "2025-05-04T12:00:00Z",
}
MSG_RESUME = {
    "type": "msg",
    "resumed_on": "2025-05-04T12:05:00Z",
    "event": {"uuid": "0197b335-6ded-79a4-95a6-3af85b57f108", "type": "msg_received",
              "created_on": "2025-05-04T12:05:00Z", "msg": {"urn": "tel:+12065551212", "text": "ok"}},
}  # fmt: skip


def _engine(body: bytes) -> Engine:
    n = itertools.count(1)
    now = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    return Engine(http=HTTP(body), clock=lambda: now, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")


def _texts(events: list[dict[str, Any]]) -> list[str]:
    return [e["msg"]["text"] for e in events if e["type"] == "msg_created"]


async def _through_jsonb(session_json: dict[str, Any]) -> dict[str, Any]:
    """The session as mailroom stores it (flow_sessions.output is JSONB) and reads it back."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        text = await conn.fetchval("SELECT CAST($1 AS jsonb)::text", orjson.dumps(session_json).decode())
    finally:
        await conn.close()
    return orjson.loads(text)


# (received body, @legacy_extra.lookup in the sprint of the call, after the session was stored)
BODIES = [
    # spacing kept in its sprint, then compact; the received key order kept (JSONB would sort it by length)
    (b'{ "zeta": 1,  "alpha": "a<b" }', '{ "zeta": 1,  "alpha": "a<b" }', '{"zeta":1,"alpha":"a<b"}'),
    (b'{"longer_key":{"b":[1, 2],"a":null},"k":"v"}', '{"longer_key":{"b":[1, 2],"a":null},"k":"v"}',
     '{"longer_key":{"b":[1,2],"a":null},"k":"v"}'),
    # escapes stay as sent (a parsed and re-written body would show "é" and "\\u003c")
    (rb'{"name": "Jos\u00e9 <b>"}', r'{"name": "Jos\u00e9 <b>"}', r'{"name":"Jos\u00e9 <b>"}'),
    # spacing inside strings is the value's
    (rb'[ "a  b", {"c" : "d\" e"} ]', r'[ "a  b", {"c" : "d\" e"} ]', r'["a  b",{"c":"d\" e"}]'),
    # already what the parsed value would give: nothing more is stored
    (b'{"a":1,"b":2}', '{"a":1,"b":2}', '{"a":1,"b":2}'),
    # utils.ExtractJSON: invalid UTF-8, NULs and escaped NULs are dropped before the JSON check
    (b'{"a": "x\\u0000y\xff\x00"}', '{"a": "xy"}', '{"a":"xy"}'),
]  # fmt: skip


@pytest.mark.parametrize(("body", "in_sprint", "after_store"), BODIES)
def test_webhook_body_kept_as_received(body: bytes, in_sprint: str, after_store: str) -> None:
    engine = _engine(body)
    session, sprint = engine.new_session({"flows": [WEBHOOK_FLOW]}, CONTACT, TRIGGER)
    assert _texts(sprint.events) == [in_sprint]
    # the result's extra is the parsed body (JSONB may reorder it); the text is kept beside the results
    stored = asyncio.run(_through_jsonb(session.to_json()))
    run = stored["runs"][0]
    assert run["results"]["lookup"]["extra"] == orjson.loads(in_sprint)
    assert (
        run.get("raw_extras", {}).get("lookup", extra_text(run["results"]["lookup"]["extra"])) == after_store
    )
    restored = engine.read_session({"flows": [WEBHOOK_FLOW]}, stored)
    assert _texts(engine.resume(restored, MSG_RESUME).events) == [after_store]


def test_webhook_body_in_memory_stays_as_received() -> None:
    """goflow's engine keeps the bytes in memory: a session resumed without a write still has them."""
    engine = _engine(b'{ "zeta": 1, "alpha": 2 }')
    session, _ = engine.new_session({"flows": [WEBHOOK_FLOW]}, CONTACT, TRIGGER)
    assert _texts(engine.resume(session, MSG_RESUME).events) == ['{ "zeta": 1, "alpha": 2 }']


def test_raw_extras_only_where_a_result_has_that_extra() -> None:
    """A stored text is dropped with its result's extra (a later result without one, or none at all)."""
    engine = _engine(b'{ "zeta": 1, "alpha": 2 }')
    session, _ = engine.new_session({"flows": [WEBHOOK_FLOW]}, CONTACT, TRIGGER)
    session.runs[0].results["lookup"].pop("extra")
    assert "raw_extras" not in session.to_json()["runs"][0]
    restored = Session.from_json(engine, session.assets, session.to_json(), None)
    assert restored.runs[0].raw_extras == {}


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ('{ "a" : [ 1 , 2 ] }', '{"a":[1,2]}'),
        (r'{"a b": "c\td", "e": "\\"}', r'{"a b":"c\td","e":"\\"}'),
        ("\n\t[ ]\r\n", "[]"),
        (r'{"x": "a\" }"}', r'{"x":"a\" }"}'),
    ],
)
def test_go_compact(text: str, compact: str) -> None:
    assert go_compact(text) == compact


@pytest.mark.parametrize(
    ("body", "kept", "persisted"),
    [
        # goflow: an extra only when its JSON is under resultExtraMaxBytes (10,000, strictly), @webhook kept
        # on the run up to persistWebhookBytesLimit (10,000, inclusive); a body that isn't JSON keeps nothing
        (b'"' + b"x" * 9_997 + b'"', True, True),
        (b'"' + b"x" * 9_998 + b'"', False, True),
        (b'"' + b"x" * 9_999 + b'"', False, False),
        (b"not json " * 2_000, False, True),
    ],
)
def test_webhook_size_limits(body: bytes, kept: bool, persisted: bool) -> None:
    wc = WebhookCall("GET", "http://example.com/", "success", 200, "", "", body, {}, 0)
    found = wc.response_json()
    assert (found is not None and len(found[0]) < 10_000) == kept
    engine = _engine(body)
    session, _ = engine.new_session({"flows": [WEBHOOK_FLOW]}, CONTACT, TRIGGER)
    run = session.to_json()["runs"][0]
    assert ("extra" in run["results"]["lookup"]) == kept
    assert ("webhook" in run) == persisted


def test_started_session_sees_the_parent_body_as_kept() -> None:
    """A session started by start_session (a flow_action trigger) adds the parent run's results to its
    @legacy_extra (goflow's LegacyExtraContributor): the body's text travels in the run summary."""
    child_uuid = "f0000000-0000-4000-8000-000000000002"
    parent = copy.deepcopy(WEBHOOK_FLOW)
    parent["nodes"][0]["actions"].append(
        {"uuid": "b0000000-0000-4000-8000-000000000009", "type": "start_session",
         "flow": {"uuid": child_uuid, "name": "Child"}, "contacts": [{"uuid": CONTACT["uuid"], "name": "Ana"}]}
    )  # fmt: skip
    child = {
        "uuid": child_uuid, "name": "Child", "spec_version": "14.4.2", "language": "eng", "type": "messaging",
        "nodes": [{"uuid": "a0000000-0000-4000-8000-000000000009",
                   "actions": [{"uuid": "b0000000-0000-4000-8000-00000000000a", "type": "send_msg",
                                "text": "@legacy_extra.lookup"}],
                   "exits": [{"uuid": "e0000000-0000-4000-8000-000000000009"}]}],
    }  # fmt: skip
    assets = {"flows": [parent, child]}
    engine = _engine(b'{ "zeta": 1, "alpha": 2 }')
    _, sprint = engine.new_session(assets, CONTACT, TRIGGER)
    triggered = next(e for e in sprint.events if e["type"] == "session_triggered")
    # as mailroom passes it on: through the start's params (JSONB)
    summary = asyncio.run(_through_jsonb(triggered["run_summary"]))
    trigger = {"type": "flow_action", "flow": {"uuid": child_uuid, "name": "Child"},
               "triggered_on": "2025-05-04T12:00:00Z", "run_summary": summary}  # fmt: skip
    _, child_sprint = engine.new_session(assets, CONTACT, trigger)
    assert _texts(child_sprint.events) == ['{"zeta":1,"alpha":2}']
