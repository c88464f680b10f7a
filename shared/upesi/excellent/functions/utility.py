"""Utility builtins: is_error, count, default, legacy_add, extract, foreach, keys, json."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from upesi.excellent.evaluator import call_function
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.convert import from_json, to_json_text, to_text, truthy
from upesi.excellent.types.values import XError, XObject


@builtin("is_error", 1, errors_ok=True)
def is_error(env: Any, v: Any) -> Any:
    return isinstance(v, XError)


@builtin("count", 1)
def count(env: Any, v: Any) -> Any:
    if isinstance(v, list):
        return Decimal(len(v))
    if isinstance(v, XObject):
        return Decimal(len(v))
    if v is None:
        return Decimal(0)
    return XError("value isn't countable")


@builtin("default", 2, errors_ok=True)
def default(env: Any, v: Any, fallback: Any) -> Any:
    if isinstance(v, XError) or not truthy_or_value(v):
        return fallback
    return v


def truthy_or_value(v: Any) -> bool:
    # default() falls back for empty values: nil, "", empty arrays/objects (not false or 0)
    if v is None:
        return False
    if isinstance(v, str):
        return v != ""
    if isinstance(v, list | XObject):
        return truthy(v)
    return True


@builtin("json", 1)
def json_(env: Any, v: Any) -> Any:
    return to_json_text(v)


@builtin("parse_json", 1)
def parse_json(env: Any, v: Any) -> Any:
    try:
        return from_json(orjson.loads(to_text(v)))
    except orjson.JSONDecodeError:
        return XError(f'unable to parse "{to_text(v)}" as JSON')


@builtin("extract", 2)
def extract(env: Any, obj: Any, prop: Any) -> Any:
    if not isinstance(obj, XObject):
        return XError(f"can't extract from {to_text(obj)}")
    return obj.get(to_text(prop), None)


@builtin("extract_object", 2, None)
def extract_object(env: Any, obj: Any, *props: Any) -> Any:
    if not isinstance(obj, XObject):
        return XError("can only extract from objects")
    out: dict[str, Any] = {}
    for p in props:
        k = to_text(p)
        out[k] = obj.get(k, None)
    return XObject(out)


@builtin("foreach", 2, None)
def foreach(env: Any, arr: Any, fn: Any, *extra: Any) -> Any:
    if not isinstance(arr, list):
        return XError("requires an array as its first argument")
    out = []
    for item in arr:
        r = call_function(fn, env, [item, *extra])
        if isinstance(r, XError):
            return r
        out.append(r)
    return out


@builtin("foreach_value", 2, None)
def foreach_value(env: Any, obj: Any, fn: Any, *extra: Any) -> Any:
    if not isinstance(obj, XObject):
        return XError("requires an object as its first argument")
    out: dict[str, Any] = {}
    for k, v in obj.items():
        r = call_function(fn, env, [v, *extra])
        if isinstance(r, XError):
            return r
        out[k] = r
    return XObject(out)


@builtin("keys", 1)
def keys(env: Any, obj: Any) -> Any:
    if obj is None:
        return []
    if not isinstance(obj, XObject):
        return XError("requires an object")
    return sorted(obj.keys())


@builtin("legacy_add", 2)
def legacy_add(env: Any, a: Any, b: Any) -> Any:
    from upesi.excellent.functions.dates import add_legacy

    return add_legacy(env, a, b)


@builtin("prompt", 1, None)
def prompt(env: Any, name: Any, *args: Any) -> Any:
    """A prompt template configured in the environment, with Go-template style {{ .argN }} slots."""
    import re

    key = to_text(name)
    tmpl = (getattr(env, "prompts", {}) or {}).get(key)
    if tmpl is None:
        return XError(f"no prompt named '{key}'")

    def fill(m: re.Match[str]) -> str:
        i = int(m.group(1)) - 1
        return to_text(args[i]) if i < len(args) else "<no value>"

    return re.sub(r"\{\{\s*\.arg(\d+)\s*\}\}", fill, tmpl)
