"""Translations are checked as goflow's languageTranslation.validate (flows/definition/localization.go):
the item UUID's form and goflow's size limits, not whether the item is still in the flow. A translation
of a removed item is kept and ignored, rather than refusing the flow or the export holding it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from upesi.flows.definition import FlowValidationError, read_flow
from upesi.flows.engine import Engine
from upesi.flows.exports import read_export

FLOW_UUID = "76f0a02f-3b75-4b86-9064-e9195e1b3a02"
SEND = "b0000000-0000-4000-8000-000000000001"
GONE = "9f2e8a41-6c3d-4b1e-8f0a-2d5c7e9b1a03"  # an action deleted from the flow, its translation left behind


def _flow(fra: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": FLOW_UUID,
        "name": "Test Flow",
        "spec_version": "14.2.0",
        "language": "eng",
        "type": "messaging",
        "localization": {"fra": fra},
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [{"uuid": SEND, "type": "send_msg", "text": "Hello"}],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}],
            }
        ],
    }


STALE = {SEND: {"text": ["Bonjour"]}, GONE: {"text": ["Au revoir"]}}


def test_translation_of_a_removed_item_is_kept() -> None:
    flow = read_flow(_flow(STALE))
    assert flow.localization["fra"][GONE] == {"text": ["Au revoir"]}


def test_translation_of_a_removed_item_is_ignored_when_running() -> None:
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
               "language": "fra", "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+12065551212"]}  # fmt: skip
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW_UUID, "name": "Test Flow"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    env = {"allowed_languages": ["eng", "fra"]}
    _, sprint = engine.new_session({"flows": [_flow(STALE)]}, contact, trigger, environment=env)
    texts = [e["msg"]["text"] for e in sprint.events if e["type"] == "msg_created"]
    assert texts == ["Bonjour"]


def test_export_with_a_stale_translation_is_read() -> None:
    export = read_export({"version": "13", "site": "https://app.rapidpro.io", "flows": [_flow(STALE)]})
    assert [f["uuid"] for f in export.flows] == [FLOW_UUID]
    assert export.flows[0]["localization"]["fra"][GONE] == {"text": ["Au revoir"]}


@pytest.mark.parametrize(
    ("fra", "error"),
    [
        ({"not-a-uuid": {"text": ["x"]}}, "invalid item uuid 'not-a-uuid'"),
        ({GONE: {f"p{i}": ["x"] for i in range(11)}}, "can't have more than 10 properties"),
        ({GONE: {"quick_replies": ["x"] * 11}}, "can't have more than 10 values"),
        ({GONE: {"text": ["x" * 10001]}}, "can't be longer than 10000 chars"),
        ({GONE: {"": ["x"]}}, "invalid property name ''"),
        ({GONE: {"_ui": {"big": "x" * 10001}}}, "can't be larger than 10000 bytes"),
    ],
)
def test_translation_limits(fra: dict[str, Any], error: str) -> None:
    with pytest.raises(FlowValidationError, match=error):
        read_flow(_flow(fra))
