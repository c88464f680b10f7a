"""goflow extra/triggers (validation and @trigger context) and extra/routers (routing results)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from goflow_support.normalize import diff, normalize
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.universe import mock_clock, mock_uuids, seeded_rng

from upesi.flows.definition import FlowValidationError, read_flow
from upesi.flows.engine import Engine
from upesi.flows.runtime import evaluate_text
from upesi.flows.triggers import TriggerError

TDIR = GOFLOW / "extra" / "triggers"
T_CASES = [
    (p.stem, i)
    for p in sorted(TDIR.glob("*.json"))
    if not p.name.startswith("_")
    for i in range(len(load_json(p)))
]
RDIR = GOFLOW / "extra" / "routers"
R_CASES = [
    (p.stem, i)
    for p in sorted(RDIR.glob("*.json"))
    if not p.name.startswith("_")
    for i in range(len(load_json(p)))
]
KNOWN = known_failures("triggers_routers")
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "Ryan Lewis",
    "status": "active",
    "language": "eng",
    "created_on": "2018-06-20T11:40:30.123456789Z",
    "urns": ["tel:+12065551212"],
}


def _engine() -> Engine:
    return Engine(clock=mock_clock(), uuids=mock_uuids(), rng=seeded_rng())


def _check_trigger(name: str, idx: int) -> None:
    case = load_json(TDIR / f"{name}.json")[idx]
    assets = load_json(TDIR / "_assets.json")
    if case.get("read_error"):
        with pytest.raises(TriggerError) as e:
            _engine().new_session(assets, CONTACT, case["trigger"])
        assert str(e.value) == case["read_error"]
        return
    session, _ = _engine().new_session(assets, CONTACT, case["trigger"])
    got = json.loads(evaluate_text(session, session.runs[0], "@(json(trigger))"))
    problems = diff(got, case["context"])
    assert not problems, "\n".join(problems)


def _router_flow(router: dict[str, Any]) -> dict[str, Any]:
    exits = [{"uuid": c["exit_uuid"]} for c in router.get("categories") or [] if c.get("exit_uuid")]
    return {
        "uuid": "bead76f5-dac4-4c9d-996c-c62b326e8c0a",
        "name": "Router Tester",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "64373978-e8f6-4973-b6ff-a2993f3376fc",
                "router": router,
                "exits": exits or [{"uuid": "x"}],
            }
        ],
    }


def _check_router(name: str, idx: int) -> None:
    case = load_json(RDIR / f"{name}.json")[idx]
    flow = _router_flow(case["router"])
    if case.get("read_error"):
        with pytest.raises(FlowValidationError):
            read_flow(flow)
        return
    trigger = {
        "type": "manual",
        "flow": {"uuid": flow["uuid"], "name": flow["name"]},
        "triggered_on": "2000-01-01T00:00:00Z",
    }
    session, sprint = _engine().new_session({"flows": [flow]}, CONTACT, trigger)
    results = session.to_json()["runs"][0].get("results", {})
    events = [e for e in sprint.events if e["type"] not in ("run_started", "run_ended")]
    problems = diff(normalize(results), normalize(case["results"])) + diff(
        normalize(events), normalize(case["events"])
    )
    assert not problems, "\n".join(problems)


@pytest.mark.conformance("goflow/extra/triggers")
@pytest.mark.parametrize(("name", "idx"), T_CASES, ids=[f"{n}-{i}" for n, i in T_CASES])
def test_trigger(name: str, idx: int) -> None:
    check_case(f"triggers/{name}-{idx}", KNOWN, lambda: _check_trigger(name, idx))


@pytest.mark.conformance("goflow/extra/routers")
@pytest.mark.parametrize(("name", "idx"), R_CASES, ids=[f"{n}-{i}" for n, i in R_CASES])
def test_router(name: str, idx: int) -> None:
    check_case(f"routers/{name}-{idx}", KNOWN, lambda: _check_router(name, idx))
