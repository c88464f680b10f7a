"""Decoding the typed value encoding of the conformance files and comparing engine values to it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from upesi.excellent.functions import lookup_function
from upesi.excellent.types.convert import format_datetime_iso, to_text
from upesi.excellent.types.values import XError, XFunction, XObject
from upesi.flows.timeparse import parse_goflow_time


def decode(v: Any) -> Any:
    """Encoded JSON value -> Excellent value."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if isinstance(v, list):
        return [decode(i) for i in v]
    if isinstance(v, dict):
        if "$number" in v:
            return Decimal(v["$number"])
        if "$datetime" in v:
            return parse_goflow_time(v["$datetime"])
        if "$date" in v:
            return dt.date.fromisoformat(v["$date"])
        if "$time" in v:
            return dt.time.fromisoformat(v["$time"])
        if "$error" in v:
            return XError(v["$error"] or "error")
        if "$function" in v:
            return lookup_function(v["$function"])
        props = {k: decode(val) for k, val in v.items() if k not in ("__default__", "__deprecated__")}
        if "__default__" in v:
            return XObject(props, default=decode(v["__default__"]))
        return XObject(props)
    raise TypeError(f"can't decode {v!r}")


def describe_actual(v: Any) -> str:
    if isinstance(v, XError):
        return f"XError({v.message!r})"
    if isinstance(v, XObject):
        return "XObject{" + ", ".join(f"{k}: {describe_actual(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(describe_actual(i) for i in v) + "]"
    return f"{type(v).__name__}({to_text(v)!r})"


def matches(actual: Any, expected: Any) -> bool:
    """Does an engine value equal an encoded expected value (typed comparison)?"""
    if isinstance(expected, dict):
        if "$error" in expected:
            if not isinstance(actual, XError):
                return False
            return expected["$error"] is None or actual.message == expected["$error"]
        if "$number" in expected:
            return isinstance(actual, Decimal) and actual == Decimal(expected["$number"])
        if "$datetime" in expected:
            return isinstance(actual, dt.datetime) and format_datetime_iso(actual) == expected["$datetime"]
        if "$date" in expected:
            return (
                isinstance(actual, dt.date)
                and not isinstance(actual, dt.datetime)
                and actual.isoformat() == expected["$date"]
            )
        if "$time" in expected:
            return isinstance(actual, dt.time) and to_text(actual) == expected["$time"]
        if "$function" in expected:
            return isinstance(actual, XFunction) and actual.name == expected["$function"]
        if not isinstance(actual, XObject):
            return False
        if "__default__" in expected and not matches(actual.default, expected["__default__"]):
            return False
        keys = [k for k in expected if k not in ("__default__", "__deprecated__")]
        if sorted(keys) != sorted(actual.keys()):
            return False
        return all(matches(actual.get(k), expected[k]) for k in keys)
    if isinstance(actual, XError):
        return False
    if expected is None:
        return actual is None
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, int | float):
        return (
            isinstance(actual, Decimal) and not isinstance(actual, bool) and actual == Decimal(repr(expected))
        )
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return False
