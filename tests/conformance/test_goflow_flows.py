"""goflow runner flows: start each test's session, apply its resumes, compare events, segments and
the session (normalised) after every sprint."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from goflow_support.normalize import diff, normalize
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.pretty import pretty_write_extras
from goflow_support.services import MockAirtime, MockEmail, MockLLM
from goflow_support.universe import MockHTTP, mock_clock, mock_uuids, seeded_rng

from upesi.flows.engine import Engine

FLOWS = GOFLOW / "flows"
_TEST_RE = re.compile(r"^(\w+)\.(\w+)\.json$")
TESTS = sorted(p.name for p in FLOWS.glob("*.*.json") if _TEST_RE.match(p.name))
KNOWN = known_failures("flows")
# the prompt goflow's runner tests configure their engine with
LLM_PROMPTS = {
    "categorize": "Categorize the following text into one of the following categories and only return "
    "that category or <CANT> if you can't: {{ .arg1 }}"
}


def compact_session(s: dict[str, Any]) -> dict[str, Any]:
    """Our session JSON in the shape goflow's runner records (after session.Compact())."""
    out = {k: v for k, v in s.items() if k not in ("contact", "environment", "wait", "call")}
    runs = []
    for r in s.get("runs") or []:
        r = dict(r)
        r.pop("expires_on", None)
        r.pop("raw_extras", None)  # ours: extras' texts kept beside the results (goflow keeps raw bytes)
        if r.get("exited_on"):  # goflow's Compact() drops these from runs that have ended
            r.pop("path", None)
            r.pop("locals", None)
            r.pop("webhook", None)
        else:
            r["path"] = [
                {"arrived_on": p["arrived_on"], "node_uuid": p["node_uuid"]} for p in r.get("path") or []
            ]
        runs.append(r)
    out["runs"] = runs
    return out


def _run(name: str, round_trip: bool = False) -> None:
    assets_name = _TEST_RE.match(name).group(1)  # type: ignore[union-attr]
    assets = load_json(FLOWS / f"{assets_name}.json")
    case = load_json(FLOWS / name)
    http = MockHTTP(case.get("http_mocks"))
    engine = Engine(
        http=http,
        clock=mock_clock(),
        uuids=mock_uuids(),
        rng=seeded_rng(),
        llm=MockLLM(),
        airtime=MockAirtime("RWF"),
        max_webhook_response_bytes=100_000,  # goflow's test engine's limit
        email=MockEmail(),
        llm_prompts=LLM_PROMPTS,
        user_agent="goflow-testing",
    )
    session, sprint = engine.new_session(
        assets, case["contact"], case["trigger"], environment=case.get("environment"), call=case.get("call")
    )
    problems: list[str] = []
    outputs = case["outputs"]
    for i, expected in enumerate(outputs):
        if i > 0:
            if round_trip:
                # as the services do: persist the session between sprints and read it back
                data = orjson.loads(orjson.dumps(session.to_json()))
                session = engine.read_session(assets, data, environment=case.get("environment"))
            pretty_write_extras(session)  # goflow's runner writes the session pretty and reads it back
            sprint = engine.resume(session, case["resumes"][i - 1])
        problems += [
            f"sprint {i} events{d}" for d in diff(normalize(sprint.events), normalize(expected["events"]))
        ]
        problems += [
            f"sprint {i} segments{d}"
            for d in diff(normalize(sprint.segments), normalize(expected["segments"]))
        ]
        got = compact_session(session.to_json())
        problems += [f"sprint {i} session{d}" for d in diff(normalize(got), normalize(expected["session"]))]
    assert not problems, "\n".join(problems[:25])


@pytest.mark.conformance("goflow/flows (runner tests)")
@pytest.mark.parametrize("name", TESTS)
def test_runner_flow(name: str) -> None:
    check_case(name, KNOWN, lambda: _run(name))


@pytest.mark.conformance("goflow/flows (runner tests, session JSON round trip between sprints)")
@pytest.mark.parametrize("name", TESTS)
def test_runner_flow_round_trip(name: str) -> None:
    check_case(name, KNOWN, lambda: _run(name, round_trip=True))
