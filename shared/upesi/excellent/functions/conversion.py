"""Conversion builtins: text, boolean, number, array, object (dates live in dates.py)."""

from __future__ import annotations

from typing import Any

from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.convert import to_number, to_text, truthy
from upesi.excellent.types.values import XError, XObject


@builtin("text", 1)
def text(env: Any, v: Any) -> Any:
    return to_text(v)


@builtin("boolean", 1)
def boolean(env: Any, v: Any) -> Any:
    return truthy(v)


@builtin("number", 1)
def number(env: Any, v: Any) -> Any:
    return to_number(v)


@builtin("array", 0, None)
def array(env: Any, *values: Any) -> Any:
    return list(values)


@builtin("object", 0, None)
def object_(env: Any, *pairs: Any) -> Any:
    if len(pairs) % 2 != 0:
        return XError("requires an even number of arguments")
    props: dict[str, Any] = {}
    for i in range(0, len(pairs), 2):
        key = to_text(pairs[i])
        if not key:
            return XError("property names can't be empty")
        props[key] = pairs[i + 1]
    return XObject(props)
