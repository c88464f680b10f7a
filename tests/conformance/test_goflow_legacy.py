"""goflow extra/legacy: legacy (v11) actions, tests, rulesets and whole flows -> spec 13 definitions."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.normalize import diff
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json

from upesi.flows.migrations.legacy import _Ctx, convert_action, convert_ruleset, convert_test, migrate_legacy
from upesi.gorand import GoUUIDs

DIR = GOFLOW / "extra" / "legacy"
KINDS = ["actions", "tests", "rulesets", "flows"]
CASES = [(k, i) for k in KINDS for i in range(len(load_json(DIR / f"{k}.json")))]
KNOWN = known_failures("legacy")


def _compare(got: Any, expected: Any) -> None:
    # goflow's legacy tests seed their UUID generator with 123456 and so do we: the UUIDs the
    # conversion makes up must be the very same, which checks the order it makes them in
    problems = diff(got, expected)
    assert not problems, "\n".join(problems[:20])


def _check(kind: str, idx: int) -> None:
    case = load_json(DIR / f"{kind}.json")[idx]
    if kind == "flows" or "legacy" in case:
        _compare(migrate_legacy(case["legacy"], GoUUIDs(123456)), case["expected"])
        return
    ctx = _Ctx("eng", GoUUIDs(123456))
    if kind == "actions":
        got = convert_action(case["legacy_action"], ctx)
        _compare(
            {"action": got, "loc": ctx.localization},
            {"action": case["expected_action"], "loc": case["expected_localization"]},
        )
    elif kind == "tests":
        exp = case["expected_case"]
        ctype, args = convert_test(case["legacy_test"], exp["uuid"], ctx)
        got = {"type": ctype, "arguments": args} if args else {"type": ctype}
        want = {k: v for k, v in exp.items() if k in ("type", "arguments")}
        _compare(
            {"case": got, "loc": ctx.localization},
            {"case": want, "loc": case["expected_localization"]},
        )
    else:
        got = convert_ruleset(case["legacy_ruleset"], ctx)
        _compare(
            {"node": got, "loc": ctx.localization, "ui": ctx.node_uis[got["uuid"]]},
            {"node": case["expected_node"], "loc": case["expected_localization"], "ui": case["expected_ui"]},
        )


@pytest.mark.conformance("goflow/extra/legacy")
@pytest.mark.parametrize(("kind", "idx"), CASES, ids=[f"{k}-{i:02d}" for k, i in CASES])
def test_legacy(kind: str, idx: int) -> None:
    check_case(f"{kind}-{idx:02d}", KNOWN, lambda: _check(kind, idx))
