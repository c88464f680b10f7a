"""goflow extra/actions: per action case, a bad action must be refused on read, and a good one must
inspect as goflow inspects it (dependencies, results, locals) inside a one-node flow."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.normalize import diff
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from upesi.flows.definition import FlowValidationError, read_flow
from upesi.flows.inspect import inspect_flow

DIR = GOFLOW / "extra" / "actions"
ASSETS = load_json(DIR / "_assets.json")
CASES = [(p.stem, i) for p in sorted(DIR.glob("*.json")) if not p.name.startswith("_") for i in range(len(load_json(p)))]
KNOWN = known_failures("actions")


def _flow(case: dict[str, Any]) -> dict[str, Any]:
    flow_type = case.get("in_flow_type") or "messaging"
    return {
        "uuid": "bead76f5-dac4-4c9d-996c-c62b326e8c0a", "name": "Action Tester", "spec_version": "14.4.2",
        "language": "eng", "type": flow_type, "revision": 123, "localization": case.get("localization") or {},
        "nodes": [{"uuid": "72a1f5df-49f9-45df-94c9-d86f7ea064e5", "actions": [case["action"]],
                   "exits": [{"uuid": "d7a36118-0a38-4b35-a7e4-ae89042f0d3c"}]}],
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
