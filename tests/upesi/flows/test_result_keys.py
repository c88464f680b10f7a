"""Result keys as goflow's utils.Snakify (utils/text.go, vectors from utils/text_test.go): leading and
trailing underscores are kept."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from upesi.flows.engine import Engine
from upesi.flows.inspect import inspect_flow
from upesi.flows.migrations.legacy import _key as legacy_key
from upesi.flows.runs import result_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Hello World", "hello_world"),
        ("hello_world", "hello_world"),
        ("hello-world", "hello_world"),
        ("_Hello World", "_hello_world"),
        ("   Hello World    ", "hello_world"),
        ("hi😀😃😄😁there", "hi_there"),
        ("昨夜のコ", "昨夜のコ"),
        ("this@isn't@email", "this_isn_t_email"),
        # the issue
        ("Age?", "age_"),
        ("_x Classification", "_x_classification"),
        ("(Score)", "_score_"),
    ],
)
def test_result_key(name: str, key: str) -> None:
    assert result_key(name) == key
    assert legacy_key(name) == key


FLOW = {
    "uuid": "f0000000-0000-4000-8000-000000000001",
    "name": "Keys",
    "spec_version": "14.4.2",
    "language": "eng",
    "type": "messaging",
    "nodes": [
        {
            "uuid": "a0000000-0000-4000-8000-000000000001",
            "actions": [
                {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "set_run_result", "name": "Age?",
                 "value": "23", "category": ""},
                {"uuid": "b0000000-0000-4000-8000-000000000002", "type": "send_msg", "text": "@results.age_"},
            ],
            "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}],
        }
    ],
}  # fmt: skip


def test_results_are_stored_and_read_under_the_goflow_key() -> None:
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
               "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+12065551212"]}  # fmt: skip
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW["uuid"], "name": "Keys"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    session, sprint = engine.new_session({"flows": [FLOW]}, contact, trigger)
    assert next(e for e in sprint.events if e["type"] == "msg_created")["msg"]["text"] == "23"
    assert list(session.to_json()["runs"][0]["results"]) == ["age_"]
    assert [r["key"] for r in inspect_flow(FLOW)["results"]] == ["age_"]
