"""Logic builtins: and, or, if."""

from __future__ import annotations

from typing import Any

from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.convert import truthy
from upesi.excellent.types.values import XError


@builtin("and", 1, None)
def and_(env: Any, *values: Any) -> Any:
    for v in values:
        if isinstance(v, XError):
            return v
    return all(truthy(v) for v in values)


@builtin("or", 1, None)
def or_(env: Any, *values: Any) -> Any:
    for v in values:
        if isinstance(v, XError):
            return v
    return any(truthy(v) for v in values)


@builtin("if", 3, errors_ok=True)
def if_(env: Any, test: Any, a: Any, b: Any) -> Any:
    if isinstance(test, XError):
        return test
    return a if truthy(test) else b
