"""goflow extra/inspection and extra/inspect_issues: what inspecting a flow reports."""

from __future__ import annotations

import pytest
from goflow_support.normalize import diff
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json

from upesi.flows.inspect import inspect_flow

INSPECTION = sorted(p.stem for p in (GOFLOW / "extra" / "inspection").glob("*.json"))
ISSUES_DIR = GOFLOW / "extra" / "inspect_issues"
ISSUE_CASES = [
    (p.stem, i)
    for p in sorted(ISSUES_DIR.glob("*.json"))
    if not p.name.startswith("_")
    for i in range(len(load_json(p)))
]
KNOWN = known_failures("inspection")


def _check_inspection(name: str) -> None:
    assets = load_json(GOFLOW / "flows" / f"{name}.json")
    got = inspect_flow(assets["flows"][0], assets)
    problems = diff(got, load_json(GOFLOW / "extra" / "inspection" / f"{name}.json"))
    assert not problems, "\n".join(problems[:20])


def _check_issues(name: str, idx: int) -> None:
    case = load_json(ISSUES_DIR / f"{name}.json")[idx]
    assets = load_json(ISSUES_DIR / "_assets.json") if "no assets" not in case["description"] else None
    got = inspect_flow(case["flow"], assets)
    problems = diff(got["issues"], case["issues"])
    assert not problems, "\n".join(problems[:20])


@pytest.mark.conformance("goflow/extra/inspection")
@pytest.mark.parametrize("name", INSPECTION)
def test_inspection(name: str) -> None:
    check_case(name, KNOWN, lambda: _check_inspection(name))


@pytest.mark.conformance("goflow/extra/inspect_issues")
@pytest.mark.parametrize(("name", "idx"), ISSUE_CASES, ids=[f"{n}-{i}" for n, i in ISSUE_CASES])
def test_inspect_issues(name: str, idx: int) -> None:
    check_case(f"{name}-{idx}", KNOWN, lambda: _check_issues(name, idx))
