"""Resumes as goflow reads and applies them (flows/resumes/*.go, base_test.go and testdata/*.json at 9b9f13a):
every resume but our run_expiration needs its event (msg_received, wait_timed_out, wait_expired, dial_ended),
and a refused resume leaves the session as it was."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

import pytest

from upesi.flows.engine import Engine
from upesi.flows.resumes import RESUME_EVENT_TYPES, RESUME_TYPES, ResumeError, check_resume, new_resume

FLOW = "ed352c17-191e-4e75-b366-1b2c54bb32d8"
DIAL_FLOW = "0af51032-1caa-40fe-9907-ab7c6af2bf01"
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Bob", "status": "active", "language": "eng",
           "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+12065551212"]}  # fmt: skip
CHANNEL = {"uuid": "61602f3e-f603-4c70-8a8f-c477505bf4bf", "name": "Twilio", "address": "+12065551111",
           "schemes": ["tel"], "roles": ["send", "receive", "call", "answer"], "country": "US"}  # fmt: skip
CALL = {"uuid": "01978a2f-ad9a-7f2e-ad44-6e7547078cec", "urn": "tel:+12065551212",
        "channel": {"uuid": CHANNEL["uuid"], "name": "Twilio"}}  # fmt: skip
TIMEOUT = {"seconds": 600, "category_uuid": "1024833c-91aa-4873-a3b5-3bac1ef55812"}


def _categories(names: list[str]) -> list[dict[str, Any]]:
    return [{"uuid": u, "name": n, "exit_uuid": u[:-4] + "e" + u[-3:]} for u, n in zip(
        ["1024833c-91aa-4873-a3b5-3bac1ef55812", "2024833c-91aa-4873-a3b5-3bac1ef55812",
         "3024833c-91aa-4873-a3b5-3bac1ef55812"], names, strict=False)]  # fmt: skip


def _flow(wait: dict[str, Any]) -> dict[str, Any]:
    """goflow's resumes testdata flows: a wait for the favourite colour (Red, Other, No Response on a
    timeout), or a dial whose status is the Redirect result (Success for answered)."""
    if wait["type"] == "dial":
        cats = _categories(["Success", "Failure"])
        router = {"type": "switch", "wait": wait, "operand": "@resume.dial.status", "result_name": "Redirect",
                  "cases": [{"uuid": "c1000000-0000-4000-8000-000000000001", "type": "has_only_text",
                             "arguments": ["answered"], "category_uuid": cats[0]["uuid"]}],
                  "categories": cats, "default_category_uuid": cats[1]["uuid"]}  # fmt: skip
        uuid, type_ = DIAL_FLOW, "voice"
    else:
        cats = _categories(["No Response", "Red", "Other"])
        router = {"type": "switch", "wait": wait, "operand": "@input.text", "result_name": "Favorite Color",
                  "cases": [{"uuid": "c1000000-0000-4000-8000-000000000001", "type": "has_any_word",
                             "arguments": ["red"], "category_uuid": cats[1]["uuid"]}],
                  "categories": cats, "default_category_uuid": cats[2]["uuid"]}  # fmt: skip
        uuid, type_ = FLOW, "messaging"
    node = {"uuid": "a0000000-0000-4000-8000-00000000a001", "actions": [], "router": router,
            "exits": [{"uuid": c["exit_uuid"]} for c in cats]}  # fmt: skip
    return {"uuid": uuid, "name": "Resumes", "spec_version": "14.4.2", "language": "eng", "type": type_,
            "nodes": [node]}  # fmt: skip


def _waiting(wait: dict[str, Any]) -> tuple[Engine, Any]:
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 30, tzinfo=dt.UTC)
    engine = Engine(clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}")
    flow = _flow(wait)
    trigger = {"type": "manual", "flow": {"uuid": flow["uuid"], "name": "Resumes"},
               "triggered_on": "2025-05-04T12:30:00Z"}  # fmt: skip
    kw = {"call": CALL} if wait["type"] == "dial" else {}
    session, _ = engine.new_session({"flows": [flow], "channels": [CHANNEL]}, CONTACT, trigger, **kw)
    assert session.status == "waiting"
    return engine, session


MSG_EVENT = {"uuid": "0197b32a-938f-736c-8786-fc48940f8ade", "type": "msg_received", "created_on": "2000-01-01T00:00:00Z",
             "msg": {"urn": "tel:+12065551212", "channel": {"uuid": CHANNEL["uuid"], "name": "Twilio"}, "text": "red"}}  # fmt: skip
EXPIRED = {"uuid": "0197b335-6ded-79a4-95a6-3af85b57f108", "type": "wait_expired", "created_on": "2025-05-04T12:31:00.123456789Z"}  # fmt: skip
TIMED_OUT = {"uuid": "0197b335-6ded-79a4-95a6-3af85b57f108", "type": "wait_timed_out", "created_on": "2025-05-04T12:30:59.123456789Z"}  # fmt: skip
DIAL_ENDED = {"uuid": "0197b335-6ded-79a4-95a6-3af85b57f108", "type": "dial_ended", "created_on": "2025-05-04T12:30:56.123456789Z",
              "dial": {"status": "answered", "duration": 5}}  # fmt: skip

# goflow's flows/resumes/testdata: (description, wait, resume, results changed, run status, session status, error)
CASES = [
    ("msg wait resumed", {"type": "msg", "timeout": TIMEOUT},
     {"type": "msg", "resumed_on": "2000-01-01T00:00:00Z", "event": MSG_EVENT},
     [("Favorite Color", "red", "Red")], "completed", "completed", None),
    ("run expired", {"type": "msg", "timeout": TIMEOUT},
     {"type": "wait_expiration", "resumed_on": "2000-01-01T00:00:00Z", "event": EXPIRED},
     [], "expired", "completed", None),
    ("run resumed and timeout category used", {"type": "msg", "timeout": TIMEOUT},
     {"type": "wait_timeout", "resumed_on": "2000-01-01T00:00:00Z", "event": TIMED_OUT},
     [("Favorite Color", "", "No Response")], "completed", "completed", None),
    ("can't resume if wait doesn't have a timeout", {"type": "msg"},
     {"type": "wait_timeout", "resumed_on": "2000-01-01T00:00:00Z", "event": TIMED_OUT},
     [], "waiting", "waiting", "resume of type wait_timeout not accepted by wait of type msg"),
    ("dial wait resumed", {"type": "dial", "phone": "1(206)5551212"},
     {"type": "dial", "resumed_on": "2000-01-01T00:00:00Z", "event": DIAL_ENDED},
     [("Redirect", "answered", "Success")], "completed", "completed", None),
]  # fmt: skip


@pytest.mark.parametrize(
    "wait,resume,results,run_status,session_status,error", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_goflow_resume_cases(
    wait: dict[str, Any],
    resume: dict[str, Any],
    results: list[tuple[str, str, str]],
    run_status: str,
    session_status: str,
    error: str | None,
) -> None:
    engine, session = _waiting(wait)
    if error:
        with pytest.raises(ResumeError) as e:
            engine.resume(session, resume)
        assert str(e.value) == error
    else:
        sprint = engine.resume(session, resume)
        changed = [
            (e["name"], e["value"], e["category"]) for e in sprint.events if e["type"] == "run_result_changed"
        ]
        assert changed == results
    stored = session.to_json()
    assert (stored["runs"][0]["status"], stored["status"]) == (run_status, session_status)


def test_a_msg_resume_takes_its_input_from_the_event() -> None:
    """inputs.NewMsg: the input's uuid and created_on are the msg_received event's."""
    engine, session = _waiting({"type": "msg"})
    engine.resume(session, {"type": "msg", "resumed_on": "2000-01-01T00:00:00Z", "event": MSG_EVENT})
    stored = session.to_json()
    assert stored["input"]["uuid"] == MSG_EVENT["uuid"]
    assert stored["input"]["created_on"] == "2000-01-01T00:00:00Z"
    assert stored["input"]["text"] == "red"
    assert stored["input"]["channel"] == {"uuid": CHANNEL["uuid"], "name": "Twilio"}


# goflow's TestReadResume and the envelopes' `validate:"required"` fields, with utils' messages
READ_ERRORS = [
    ({"foo": "bar"}, "field 'type' is required"),
    ({"type": "do_the_foo", "foo": "bar"}, "unknown type: 'do_the_foo'"),
    ({"type": "msg", "resumed_on": "2000-01-01T00:00:00Z", "msg": MSG_EVENT["msg"]}, "field 'event' is required"),
    ({"type": "msg", "event": {k: v for k, v in MSG_EVENT.items() if k != "msg"}}, "field 'event.msg' is required"),
    ({"type": "msg", "event": {"msg": MSG_EVENT["msg"]}},
     "field 'event.uuid' is required, field 'event.type' is required, field 'event.created_on' is required"),
    ({"type": "wait_timeout", "resumed_on": "2000-01-01T00:00:00Z"}, "field 'event' is required"),
    ({"type": "wait_expiration", "resumed_on": "2000-01-01T00:00:00Z"}, "field 'event' is required"),
    ({"type": "dial", "event": {k: v for k, v in DIAL_ENDED.items() if k != "dial"}}, "field 'event.dial' is required"),
]  # fmt: skip


@pytest.mark.parametrize("resume,error", READ_ERRORS)
def test_resumes_without_their_event_are_refused_and_leave_the_session(
    resume: dict[str, Any], error: str
) -> None:
    engine, session = _waiting({"type": "msg", "timeout": TIMEOUT})
    before = copy.deepcopy(session.to_json())
    with pytest.raises(ResumeError) as e:
        engine.resume(session, resume)
    assert str(e.value) == error
    assert session.to_json() == before


def test_every_resume_type_is_known_and_hosts_can_build_it() -> None:
    """The registry is the source of truth: each type but our own run_expiration has an event type, and
    new_resume builds a resume check_resume accepts."""
    assert set(RESUME_TYPES) == {"msg", "wait_timeout", "wait_expiration", "dial", "run_expiration"}
    assert set(RESUME_EVENT_TYPES) == set(RESUME_TYPES) - {"run_expiration"}
    extra: dict[str, dict[str, Any]] = {"msg": {"msg": {"uuid": MSG_EVENT["uuid"], "text": "hi"}},
                                        "dial": {"dial": {"status": "busy", "duration": 0}}}  # fmt: skip
    for rtype in RESUME_TYPES:
        resume = new_resume(rtype, "2025-05-04T12:31:00Z", **extra.get(rtype, {}))
        check_resume(resume)
        if rtype in RESUME_EVENT_TYPES:
            assert resume["event"]["type"] == RESUME_EVENT_TYPES[rtype]
    assert new_resume("msg", "2025-05-04T12:31:00Z", **extra["msg"])["event"]["uuid"] == MSG_EVENT["uuid"]
