"""Smaller goflow facts (issue #17 item 9): run_result_changed only on a change (flows/results.go),
resumes a wait refuses (flows/routers/waits), an unreadable subflow (flows/actions/enter_flow.go),
say_msg (flows/actions/say_msg.go) and the resthook payload's language (flows/actions/call_resthook.go)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest

from upesi.flows.engine import Engine
from upesi.flows.resumes import ResumeError, new_resume

FLOW = "f0000000-0000-4000-8000-000000000001"
CHILD = "f0000000-0000-4000-8000-000000000002"
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
           "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+250788123456"]}  # fmt: skip
CHANNEL = {"uuid": "c0000000-0000-4000-8000-000000000001", "name": "RW", "address": "+250788000000",
           "schemes": ["tel"], "roles": ["send", "receive", "call", "answer"], "country": "RW"}  # fmt: skip


def _node(
    uuid: str, actions: list[dict[str, Any]], router: dict[str, Any] | None = None, dest: str = ""
) -> dict:
    n: dict[str, Any] = {"uuid": uuid, "actions": actions}
    if router is not None:
        n["router"] = router
        n["exits"] = [{"uuid": c["exit_uuid"]} for c in router["categories"]]
    else:
        n["exits"] = [{"uuid": uuid[:-4] + "e000", **({"destination_uuid": dest} if dest else {})}]
    return n


def _flow(uuid: str, nodes: list[dict[str, Any]], type_: str = "messaging") -> dict[str, Any]:
    return {"uuid": uuid, "name": "Flow " + uuid[-1], "spec_version": "14.4.2", "language": "eng", "type": type_,
            "nodes": nodes}  # fmt: skip


def _engine(**kw: Any) -> Engine:
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    return Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}", **kw)


def _start(engine: Engine, flows: list[dict[str, Any]], contact: dict[str, Any] = CONTACT, **kw: Any) -> Any:
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW, "name": "Flow 1"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    assets = {"flows": flows, "channels": [CHANNEL], "resthooks": kw.pop("resthooks", [])}
    return engine.new_session(assets, contact, trigger, **kw)


def _result(name: str, value: str, category: str, i: int) -> dict[str, Any]:
    return {"uuid": f"b0000000-0000-4000-8000-00000000000{i}", "type": "set_run_result", "name": name,
            "value": value, "category": category}  # fmt: skip


def test_run_result_changed_only_on_a_change() -> None:
    actions = [
        _result("Color", "red", "Red", 1),
        _result("Color", "red", "Red", 2),  # the same: stored again, no event
        _result("Color", "blue", "Red", 3),  # the value changed
        _result("Color", "blue", "Blue", 4),  # the category changed
    ]
    session, sprint = _start(
        _engine(), [_flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", actions)])]
    )
    changes = [
        (e["value"], e["category"], e.get("previous"))
        for e in sprint.events
        if e["type"] == "run_result_changed"
    ]
    assert changes == [
        ("red", "Red", None),
        ("blue", "Red", {"value": "red", "category": "Red"}),
        ("blue", "Blue", {"value": "blue", "category": "Red"}),
    ]
    assert session.to_json()["runs"][0]["results"]["color"]["category"] == "Blue"


def _msg_wait_flow(timeout: bool) -> dict[str, Any]:
    router: dict[str, Any] = {
        "type": "switch",
        "wait": {"type": "msg"},
        "operand": "@input.text",
        "cases": [],
        "categories": [{"uuid": "d0000000-0000-4000-8000-000000000001", "name": "All",
                        "exit_uuid": "e0000000-0000-4000-8000-000000000001"}],
        "default_category_uuid": "d0000000-0000-4000-8000-000000000001",
    }  # fmt: skip
    if timeout:
        router["wait"]["timeout"] = {"seconds": 300, "category_uuid": "d0000000-0000-4000-8000-000000000001"}
    return _flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", [], router)])


def _dial_flow() -> dict[str, Any]:
    router = {
        "type": "switch",
        "wait": {"type": "dial", "phone": "+250788111111"},
        "operand": "@resume.dial.status",
        "cases": [],
        "categories": [{"uuid": "d0000000-0000-4000-8000-000000000001", "name": "All",
                        "exit_uuid": "e0000000-0000-4000-8000-000000000001"}],
        "default_category_uuid": "d0000000-0000-4000-8000-000000000001",
    }  # fmt: skip
    return _flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", [], router)], "voice")


CALL = {"uuid": "0198f7b1-1ef5-7ee1-a2e5-a4b6a7b8c9d0", "urn": "tel:+250788123456",
        "channel": {"uuid": CHANNEL["uuid"], "name": "RW"}}  # fmt: skip
MSG_RESUME = {"type": "msg", "resumed_on": "2025-05-04T12:10:00Z",
              "event": {"type": "msg_received", "uuid": "0197b335-6ded-79a4-95a6-3af85b57f108",
                        "created_on": "2025-05-04T12:10:00Z", "msg": {"urn": "tel:+250788123456", "text": "hi"}}}  # fmt: skip
TIMEOUT_RESUME = new_resume("wait_timeout", "2025-05-04T12:10:00Z")


def test_msg_resume_at_a_dial_wait_is_refused() -> None:
    engine = _engine()
    session, _ = _start(engine, [_dial_flow()], call=CALL)
    assert session.status == "waiting"
    with pytest.raises(ResumeError, match="resume of type msg not accepted by wait of type dial"):
        engine.resume(session, MSG_RESUME)
    assert session.status == "waiting"  # refused, not failed: the caller can retry


def test_timeout_resume_needs_a_wait_with_a_timeout() -> None:
    engine = _engine()
    session, _ = _start(engine, [_msg_wait_flow(timeout=False)])
    with pytest.raises(ResumeError, match="resume of type wait_timeout not accepted by wait of type msg"):
        engine.resume(session, TIMEOUT_RESUME)
    session, _ = _start(engine, [_msg_wait_flow(timeout=True)])
    engine.resume(session, TIMEOUT_RESUME)
    assert session.status == "completed"


def test_unreadable_subflow_fails_the_session() -> None:
    enter = {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "enter_flow",
             "flow": {"uuid": CHILD, "name": "Broken"}}  # fmt: skip
    broken = {"uuid": CHILD, "name": "Broken", "spec_version": "14.4.2", "language": "eng", "type": "messaging",
              "nodes": [{"uuid": "a0000000-0000-4000-8000-00000000b001", "actions": [{"type": "nonsense"}],
                         "exits": []}]}  # fmt: skip
    parent = _flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", [enter])])
    session, sprint = _start(_engine(), [parent, broken])
    assert session.status == "failed"
    assert any(e["type"] == "failure" and e["text"] == "Unable to find flow 'Broken'" for e in sprint.events)


def test_say_msg_trims_its_text_and_carries_the_locale() -> None:
    say = {
        "uuid": "b0000000-0000-4000-8000-000000000001",
        "type": "say_msg",
        "text": "  Hello @contact.name \n",
    }
    flow = _flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", [say])], "voice")
    _, sprint = _start(_engine(), [flow], call=CALL)
    msg = next(e for e in sprint.events if e["type"] == "ivr_created")["msg"]
    assert msg["text"] == "Hello Ana"
    assert msg["locale"] == "eng-RW"  # the text's language and the contact's country
    assert msg["urn"] == "tel:+250788123456"


@dataclass
class _Resp:
    status: int
    headers: dict[str, str]
    body: bytes


class _HTTP:
    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def request(self, method: str, url: str, headers: dict[str, str], body: Any, timeout: float) -> _Resp:
        self.bodies.append(body)
        return _Resp(200, {}, b"{}")


def test_resthook_payload_has_an_empty_language() -> None:
    http = _HTTP()
    hook = {"uuid": "b0000000-0000-4000-8000-000000000001", "type": "call_resthook", "resthook": "new-order"}
    flow = _flow(FLOW, [_node("a0000000-0000-4000-8000-00000000a001", [hook])])
    _, sprint = _start(
        _engine(http=http), [flow], resthooks=[{"slug": "new-order", "subscribers": ["http://example.com/h"]}]
    )
    called = next(e for e in sprint.events if e["type"] == "resthook_called")
    assert called["payload"]["contact"]["language"] == ""
    assert json.loads(http.bodies[0])["contact"]["language"] == ""


def test_expiration_at_a_dial_wait_is_accepted() -> None:
    # our departure from goflow's Dial.Accepts: mailroom expires waiting voice sessions this way
    engine = _engine()
    session, _ = _start(engine, [_dial_flow()], call=CALL)
    sprint = engine.resume(session, new_resume("wait_expiration", "2025-05-04T12:10:00Z"))
    assert [e["status"] for e in sprint.events if e["type"] == "run_ended"] == ["expired"]
