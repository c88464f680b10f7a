"""goflow expressions.json: every template case rendered (or evaluated to a value) and compared."""

from __future__ import annotations

import json
from typing import Any

import pytest
from goflow_support.envs import DOCS_NOW, SESSION_NOW, make_env, session_locations
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json
from goflow_support.universe import seeded_rng
from goflow_support.values import decode, describe_actual, matches

from upesi.excellent import XError, evaluate_template, evaluate_template_value

DATA = load_json(GOFLOW / "expressions.json")
CASES = DATA["cases"]
KNOWN = known_failures("expressions")
_contexts: dict[str, Any] = {}


def _redact_urns(raw: Any) -> Any:
    """The test_session context as the redacted session shows it: URN paths become ********."""
    import copy
    import re

    data = copy.deepcopy(raw)
    urn_re = re.compile(r"^(tel|twitterid|mailto|whatsapp|facebook|telegram):.+$")

    def walk(v: Any) -> Any:
        if isinstance(v, str) and urn_re.match(v):
            return v.split(":", 1)[0] + ":********"
        if isinstance(v, list):
            return [walk(i) for i in v]
        if isinstance(v, dict):
            return {k: walk(i) for k, i in v.items()}
        return v

    for key in ("contact", "urns", "parent", "child"):
        if key in data:
            data[key] = walk(data[key])
    return data


def _context(name: str) -> Any:
    if name not in _contexts:
        raw = DATA["contexts"][name]
        if isinstance(raw, str):  # "same as test_session ..." / "test_session with URNs redacted"
            raw = DATA["contexts"]["test_session"]
            if name == "redacted_session":
                raw = _redact_urns(raw)
        _contexts[name] = decode(raw)
    return _contexts[name]


def _env(name: str) -> Any:
    spec = DATA["environments"].get(name)
    now = DOCS_NOW if name == "docs_session" else SESSION_NOW
    return make_env(spec, now, session_locations())


def _seeded_env(idx: int) -> Any:
    """The case's env with goflow's generator (seeded 123456) advanced past the draws of the random
    cases before it, as docgen checks the examples in order against one seeded session."""
    rng = seeded_rng()
    for earlier in CASES[:idx]:
        if earlier.get("nondeterministic"):
            env = _env(earlier["context"])
            env.extra["rng"] = rng
            evaluate_template(earlier["template"], _context(earlier["context"]), env)
    env = _env(CASES[idx]["context"])
    env.extra["rng"] = rng
    return env


def _check(idx: int) -> None:
    case = CASES[idx]
    ctx = _context(case["context"])
    env = _seeded_env(idx) if case.get("nondeterministic") else _env(case["context"])
    template = case["template"]
    if case.get("evaluate_as") == "value":
        value = evaluate_template_value(template, ctx, env)
        if case.get("error"):
            assert isinstance(value, XError), f"expected an error, got {describe_actual(value)}"
            return
        assert matches(value, case["output_value"]), f"{describe_actual(value)} != {case['output_value']!r}"
        return
    escape = (lambda s: s.replace('"', '\\"')) if case.get("escaping") else None
    out, errors = evaluate_template(template, ctx, env, escape=escape)
    if case.get("error"):
        assert errors, f"expected an error, got output {out!r}"
        if case.get("error_message"):
            # several failing items are reported together, comma separated, as goflow joins them
            assert ", ".join(str(e) for e in errors) == case["error_message"]
        if case.get("error_messages"):
            # engine-level errors (session_templates) are logged as error events with this text
            assert [f"Error evaluating expression: {e.message}" for e in errors] == case["error_messages"]
        if "output" in case and case["output"] is not None:
            assert out == case["output"]
        return
    if "output_json" in case:
        assert json.loads(out) == case["output_json"]
        return
    assert out == case["output"], f"{out!r} != {case['output']!r} (errors: {errors})"


@pytest.mark.conformance("goflow/expressions.json")
@pytest.mark.parametrize("idx", range(len(CASES)), ids=[f"{i:04d}" for i in range(len(CASES))])
def test_expression(idx: int) -> None:
    check_case(f"{idx:04d}", KNOWN, lambda: _check(idx))
