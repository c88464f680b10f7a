"""call_webhook and call_resthook clear @webhook before anything else (goflow flows/actions/call_webhook.go,
call_resthook.go): a call that never happens routes to Failure instead of reading the previous call's result,
and headers and body are evaluated only once the URL is good."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from upesi.flows.engine import Engine

FLOW = "f0000000-0000-4000-8000-000000000001"
FIRST, SECOND, OK, FAILED = (f"a0000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))


@dataclass
class _Resp:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class _HTTP:
    calls: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)

    def request(self, method: str, url: str, headers: dict[str, str], body: Any, timeout: float) -> _Resp:
        self.calls.append((method, url, headers, body))
        return _Resp(200, {"Content-Type": "application/json"}, b'{"ok": true}')


def _split(node: str, action: dict[str, Any], ok: str, failed: str, n: int) -> dict[str, Any]:
    s, f = f"c{n}000000-0000-4000-8000-000000000001", f"c{n}000000-0000-4000-8000-000000000002"
    es, ef = f"e{n}000000-0000-4000-8000-000000000001", f"e{n}000000-0000-4000-8000-000000000002"
    return {
        "uuid": node,
        "actions": [action],
        "router": {
            "type": "switch",
            "operand": "@webhook.status",  # migrated to @(default(webhook.status, 0)) on read
            "cases": [
                {
                    "uuid": f"d{n}000000-0000-4000-8000-000000000001",
                    "type": "has_number_between",
                    "arguments": ["200", "299"],
                    "category_uuid": s,
                }
            ],
            "categories": [
                {"uuid": s, "name": "Success", "exit_uuid": es},
                {"uuid": f, "name": "Failure", "exit_uuid": ef},
            ],
            "default_category_uuid": f,
        },
        "exits": [{"uuid": es, "destination_uuid": ok}, {"uuid": ef, "destination_uuid": failed}],
    }


def _say(node: str, text: str) -> dict[str, Any]:
    return {
        "uuid": node,
        "actions": [{"uuid": node[:-1] + "9", "type": "send_msg", "text": text}],
        "exits": [{"uuid": node[:-2] + "99"}],
    }


def _flow(second: dict[str, Any]) -> dict[str, Any]:
    first = {
        "uuid": "b0000000-0000-4000-8000-000000000001",
        "type": "call_webhook",
        "method": "GET",
        "url": "http://example.com/first",
        "headers": {},
    }
    return {
        "uuid": FLOW,
        "name": "Webhooks",
        "spec_version": "14.4.0",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            _split(FIRST, first, SECOND, SECOND, 1),
            _split(SECOND, second, OK, FAILED, 2),
            _say(OK, "second call succeeded"),
            _say(FAILED, "second call failed"),
        ],
    }


def _run(second: dict[str, Any], resthooks: list[dict[str, Any]] | None = None) -> tuple[list[dict], _HTTP]:
    http = _HTTP()
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(http=http, clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    assets = {"flows": [_flow(second)], "resthooks": resthooks or []}
    contact = {
        "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
        "name": "Ana",
        "status": "active",
        "created_on": "2024-01-01T00:00:00Z",
        "urns": ["tel:+12065551212"],
    }
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW, "name": "Webhooks"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    _, sprint = engine.new_session(assets, contact, trigger)
    return sprint.events, http


def _hook(url: str, headers: dict[str, str] | None = None, body: str = "") -> dict[str, Any]:
    a: dict[str, Any] = {
        "uuid": "b0000000-0000-4000-8000-000000000002",
        "type": "call_webhook",
        "method": "POST",
        "url": url,
        "headers": headers or {},
    }
    if body:
        a["body"] = body
    return a


def _sent(events: list[dict]) -> list[str]:
    return [e["msg"]["text"] for e in events if e["type"] == "msg_created"]


def _errors(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "error"]


@pytest.mark.parametrize(
    ("second", "error"),
    [
        (_hook("@contact.language"), "Webhook URL evaluated to empty string"),
        (_hook("not a url"), "Webhook URL evaluated to an invalid URL: 'not a url'"),
        (
            _hook("http://example.com/big", body='@(repeat("abcdefghij", 1000))' * 27),
            "Webhook request evaluated to 270040 bytes, exceeding the limit of 262144",
        ),
    ],
)
def test_webhook_that_never_happens_routes_to_failure(second: dict[str, Any], error: str) -> None:
    events, http = _run(second)
    assert [c[1] for c in http.calls] == ["http://example.com/first"]  # only the first call was made
    assert _errors(events) == [error]
    assert _sent(events) == ["second call failed"]


def test_headers_are_not_evaluated_for_a_bad_url() -> None:
    events, http = _run(_hook("", headers={"X-Bad": "@(1 / 0)"}, body="@(1 / 0)"))
    # only the URL error: headers and body were never evaluated
    assert _errors(events) == ["Webhook URL evaluated to empty string"]
    assert _sent(events) == ["second call failed"]
    assert len(http.calls) == 1


def test_headers_are_evaluated_for_a_good_url() -> None:
    events, http = _run(_hook("http://example.com/second", headers={"X-Name": "@contact.name"}))
    assert http.calls[1][2]["X-Name"] == "Ana"
    assert _sent(events) == ["second call succeeded"]


RESTHOOK = {"uuid": "b0000000-0000-4000-8000-000000000003", "type": "call_resthook", "resthook": "new-order"}


@pytest.mark.parametrize(
    "resthooks",
    [[], [{"slug": "new-order", "subscribers": []}]],
    ids=["unknown resthook", "no subscribers"],
)
def test_resthook_that_calls_nobody_routes_to_failure(resthooks: list[dict[str, Any]]) -> None:
    events, http = _run(RESTHOOK, resthooks)
    assert len(http.calls) == 1
    assert _sent(events) == ["second call failed"]


def test_resthook_with_a_subscriber_routes_to_success() -> None:
    events, http = _run(RESTHOOK, [{"slug": "new-order", "subscribers": ["http://example.com/hook"]}])
    assert [c[1] for c in http.calls] == ["http://example.com/first", "http://example.com/hook"]
    assert _sent(events) == ["second call succeeded"]
