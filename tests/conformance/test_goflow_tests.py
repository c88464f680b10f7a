"""goflow tests.json: router case tests, as doc templates and as direct calls."""

from __future__ import annotations

from typing import Any

import pytest
from goflow_support.envs import DOCS_NOW, TABLE_NOW, make_env, session_locations
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.values import decode, describe_actual, matches

from upesi.excellent import evaluate_template
from upesi.excellent.evaluator import call_function
from upesi.excellent.functions import lookup_function
from upesi.excellent.types.values import XError, XObject

DATA = load_json(GOFLOW / "tests.json")
EXPR = load_json(GOFLOW / "expressions.json")
CASES = DATA["cases"]
KNOWN = known_failures("tests")
_docs_ctx: list[Any] = []


def _docs_context() -> Any:
    if not _docs_ctx:
        _docs_ctx.append(decode(EXPR["contexts"]["test_session"]))
    return _docs_ctx[0]


def _check(case: dict[str, Any]) -> None:
    if case["kind"] == "docs":
        env = make_env(EXPR["environments"]["docs_session"], DOCS_NOW, session_locations())
        out, errors = evaluate_template(case["template"], _docs_context(), env)
        if case["expected_output"] is None:  # the doc example gives an error
            assert errors, f"expected an error, got {out!r}"
            return
        assert out == case["expected_output"], f"{out!r} != {case['expected_output']!r} ({errors})"
        return
    env_key = case.get("env")
    env_spec = (
        env_key if isinstance(env_key, dict) else DATA["_about"]["environments"].get(env_key or "", None)
    )
    env = make_env(env_spec, TABLE_NOW, DATA["_about"]["locations_assets"])
    fn = lookup_function(case["test"])
    assert fn is not None, f"no test {case['test']}"
    result = call_function(fn, env, [decode(a) for a in case["args"]])
    if case.get("error"):
        assert isinstance(result, XError), f"expected error, got {describe_actual(result)}"
        return
    assert isinstance(result, XObject), f"expected a result object, got {describe_actual(result)}"
    assert result.default is case["match"], f"match {result.default} != {case['match']}"
    assert matches(result.get("match"), case["value"]), (
        f"{describe_actual(result.get('match'))} != {case['value']!r}"
    )
    if "extra" in case:
        assert matches(result.get("extra", None), case["extra"]), describe_actual(result.get("extra", None))


@pytest.mark.conformance("goflow/tests.json")
@pytest.mark.parametrize("idx", range(len(CASES)), ids=[f"{i:04d}-{c['test']}" for i, c in enumerate(CASES)])
def test_case_test(idx: int) -> None:
    check_case(f"{idx:04d}", KNOWN, lambda: _check(CASES[idx]))
