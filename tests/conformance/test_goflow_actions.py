"""goflow extra/actions: per action case, a bad action must be refused on read, and a good one must
inspect as goflow inspects it (dependencies, results, locals) inside a one-node flow."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.normalize import diff, normalize
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.services import MockAirtime, MockEmail, MockLLM
from goflow_support.universe import MockHTTP, mock_clock, mock_uuids, seeded_rng

from upesi.flows.definition import FlowValidationError, read_flow
from upesi.flows.engine import Engine
from upesi.flows.inspect import inspect_flow

DIR = GOFLOW / "extra" / "actions"
ASSETS = load_json(DIR / "_assets.json")
CASES = [
    (p.stem, i)
    for p in sorted(DIR.glob("*.json"))
    if not p.name.startswith("_")
    for i in range(len(load_json(p)))
]
KNOWN = known_failures("actions")


def _flow(case: dict[str, Any]) -> dict[str, Any]:
    flow_type = case.get("in_flow_type") or "messaging"
    return {
        "uuid": "bead76f5-dac4-4c9d-996c-c62b326e8c0a",
        "name": "Action Tester",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": flow_type,
        "revision": 123,
        "localization": case.get("localization") or {},
        "nodes": [
            {
                "uuid": "72a1f5df-49f9-45df-94c9-d86f7ea064e5",
                "actions": [case["action"]],
                "exits": [{"uuid": "d7a36118-0a38-4b35-a7e4-ae89042f0d3c"}],
            }
        ],
    }


def _check(name: str, idx: int) -> None:
    case = load_json(DIR / f"{name}.json")[idx]
    flow = _flow(case)
    if case.get("read_error"):
        with pytest.raises(FlowValidationError):
            read_flow(flow)
        return
    got = inspect_flow(flow, ASSETS)
    problems = diff(got, case["inspection"])
    assert not problems, "\n".join(problems[:20])


@pytest.mark.conformance("goflow/extra/actions (read errors + inspection)")
@pytest.mark.parametrize(("name", "idx"), CASES, ids=[f"{n}-{i:02d}" for n, i in CASES])
def test_action(name: str, idx: int) -> None:
    check_case(f"{name}-{idx:02d}", KNOWN, lambda: _check(name, idx))


# the session goflow's actions_test.go runs each action in: Ryan Lewis, started by a message
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "Ryan Lewis",
    "language": "eng",
    "status": "active",
    "timezone": "America/Guayaquil",
    "created_on": "2018-06-20T11:40:30.123456789Z",
    "urns": [
        "tel:+12065551212?channel=57f1078f-88aa-46f4-a59a-948a5739c03d",
        "twitterid:54784326227#nyaruka",
    ],
    "groups": [
        {"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"},
        {"uuid": "0ec97956-c451-48a0-a180-1ce766623e31", "name": "Males"},
    ],
    "fields": {"gender": {"text": "Male"}},
}
# the ticket a has_ticket case's contact already has open
OPEN_TICKET = {
    "uuid": "01969b47-0583-76f8-ae7f-f8b243c49ff5",
    "status": "open",
    "topic": {"uuid": "0d9a2c56-6fc2-4f27-93c5-a6322e26b740", "name": "General"},
}
WITH_TICKETS = {"uuid": "91564dee-e7ea-49b2-a903-598ce71b1d07", "name": "With Tickets"}
INPUT_MSG = {
    "urn": "tel:+12065551212",
    "text": "Hi everybody",
    "attachments": [
        "image/jpeg:http://http://s3.amazon.com/bucket/test.jpg",
        "audio/mp3:http://s3.amazon.com/bucket/test.mp3",
    ],
}


def _check_sendable(contact: dict[str, Any], msg: dict[str, Any]) -> str:
    # goflow's action tests configure their engine to refuse this content
    return "forbidden_content" if "FORBIDDEN" in msg.get("text", "") else ""


def _run_events(case: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    import copy

    assets = copy.deepcopy(ASSETS)
    voice = case.get("in_flow_type") == "voice"
    flow = assets["flows"][1 if voice else 0]
    flow["nodes"][0]["actions"] = [case["action"]]
    flow["localization"] = case.get("localization") or {}
    trigger: dict[str, Any] = {
        "flow": {"uuid": flow["uuid"], "name": flow["name"]},
        "triggered_on": "2000-01-01T00:00:00Z",
    }
    if case.get("no_input") or case.get("as_batch") or voice:
        trigger["type"] = "manual"
        if case.get("as_batch"):
            trigger["batch"] = True
    else:
        trigger["type"] = "msg"
        trigger["event"] = {
            "type": "msg_received",
            "uuid": "01969b47-0583-76f8-924e-9de1a11831b3",
            "created_on": "2025-05-04T12:30:46.123456789Z",
            "msg": INPUT_MSG,
        }
    env: dict[str, Any] = {"allowed_languages": ["eng", "spa"], "default_country": "RW"}
    if case.get("redact_urns"):
        env["redaction_policy"] = "urns"
    contact = copy.deepcopy(case.get("contact") or CONTACT)
    if case.get("localization"):
        # goflow's action tests run localized cases for a Spanish-speaking contact
        contact["language"] = "spa"
    if case.get("has_ticket"):
        contact["tickets"] = [OPEN_TICKET]
        contact["groups"].append(WITH_TICKETS)  # the query group an open ticket puts them in
    call = (
        {
            "uuid": "01978a2f-ad9a-7f2e-ad44-6e7547078cec",
            "urn": "tel:+12065551212",
            "channel": {"uuid": "57f1078f-88aa-46f4-a59a-948a5739c03d", "name": "My Android Phone"},
        }
        if voice
        else None
    )
    engine = Engine(
        http=MockHTTP(case.get("http_mocks")),
        clock=mock_clock(),
        uuids=mock_uuids(),
        rng=seeded_rng(),
        llm=MockLLM(),
        airtime=MockAirtime("RWF"),
        max_webhook_response_bytes=100_000,  # goflow's test engine's limit
        check_sendable=_check_sendable,
        email=MockEmail(case.get("smtp_error") or ""),
        user_agent="goflow-testing",
    )
    session, sprint = engine.new_session(assets, contact, trigger, environment=env, call=call)
    # the expected events leave out the tester run's own start and end
    own = session.runs[0].uuid
    events = [
        e
        for e in sprint.events
        if not (e["type"] in ("run_started", "run_ended") and e.get("run_uuid") == own)
    ]
    return events, session.contact


def _check_events(name: str, idx: int) -> None:
    case = load_json(DIR / f"{name}.json")[idx]
    events, contact = _run_events(case)
    problems = diff(normalize(events), normalize(case["events"]))
    if "contact_after" in case:
        problems += [f"contact{p}" for p in diff(normalize(contact), normalize(case["contact_after"]))]
    assert not problems, "\n".join(problems[:15])


EVENT_CASES = [
    (n, i)
    for n, i in CASES
    if "events" in load_json(DIR / f"{n}.json")[i]
    and not load_json(DIR / f"{n}.json")[i].get("skip_validation")
]
KNOWN_EVENTS = known_failures("actions_events")


@pytest.mark.conformance("goflow/extra/actions (events)")
@pytest.mark.parametrize(("name", "idx"), EVENT_CASES, ids=[f"{n}-{i:02d}" for n, i in EVENT_CASES])
def test_action_events(name: str, idx: int) -> None:
    check_case(f"{name}-{idx:02d}", KNOWN_EVENTS, lambda: _check_events(name, idx))
