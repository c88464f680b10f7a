"""goflow functions.json: direct builtin calls with typed arguments and typed expected values."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.envs import TABLE_NOW, make_env
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.values import decode, describe_actual, matches

from upesi.excellent.evaluator import call_function
from upesi.excellent.functions import lookup_function

DATA = load_json(GOFLOW / "functions.json")
CASES = DATA["cases"]
KNOWN = known_failures("functions")


def _check(case: dict[str, Any]) -> None:
    env = make_env(DATA["_about"]["environments"][case["env"]], TABLE_NOW)
    fn = lookup_function(case["func"])
    assert fn is not None, f"no function {case['func']}"
    result = call_function(fn, env, [decode(a) for a in case["args"]])
    if case["func"] in ("rand", "rand_between"):
        assert not isinstance(result, Exception)
        return
    assert matches(result, case["expected"]), f"{describe_actual(result)} != {case['expected']!r}"


@pytest.mark.conformance("goflow/functions.json")
@pytest.mark.parametrize("idx", range(len(CASES)), ids=[f"{i:04d}-{c['func']}" for i, c in enumerate(CASES)])
def test_function(idx: int) -> None:
    check_case(f"{idx:04d}", KNOWN, lambda: _check(CASES[idx]))
