"""Calling a router case test (or Excellent function) directly, as goflow's table tests do."""

from __future__ import annotations

from typing import Any

from upesi.excellent.env import Environment
from upesi.excellent.evaluator import call_function
from upesi.excellent.functions import lookup_function
from upesi.excellent.types.values import XError, XObject


def run_case(name: str, *args: Any, env: Environment | None = None) -> tuple[bool, Any]:
    """(passed, match) of a case test; an XError is returned as (False, the error)."""
    fn = lookup_function(name)
    assert fn is not None, name
    result = call_function(fn, env or Environment(), list(args))
    if isinstance(result, XError):
        return False, result
    assert isinstance(result, XObject)
    return bool(result.default), result.get("match")
