"""Array builtins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from upesi.excellent.evaluator import call_function
from upesi.excellent.functions.args import array_arg, int_arg, number_arg, text_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.convert import equals, to_text, truthy
from upesi.excellent.types.values import XError

MAX_ITEMS = 10_000


@builtin("slice", 2, 3)
def slice_(env: Any, arr: Any, start: Any, end: Any = None) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    s = int_arg(start)
    if isinstance(s, XError):
        return s
    if end is None:
        return a[s:]
    e = int_arg(end)
    if isinstance(e, XError):
        return e
    return a[s:e]


@builtin("contains", 2)
def contains(env: Any, arr: Any, v: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    return any(type(i) is type(v) and equals(i, v) for i in a)


@builtin("join", 2)
def join(env: Any, arr: Any, sep: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    for i in a:
        if isinstance(i, XError):
            return i
    return text_arg(sep).join(to_text(i) for i in a)


@builtin("reverse", 1)
def reverse(env: Any, arr: Any) -> Any:
    a = array_arg(arr)
    return a if isinstance(a, XError) else list(reversed(a))


@builtin("sort", 1)
def sort(env: Any, arr: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    if all(isinstance(i, Decimal) for i in a):
        return sorted(a)
    if all(isinstance(i, str) for i in a):
        return sorted(a)
    return XError("can't sort an array of mixed types")


@builtin("sum", 1)
def sum_(env: Any, arr: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    total = Decimal(0)
    for i in a:
        n = number_arg(i)
        if isinstance(n, XError):
            return n
        total += n
    from upesi.excellent.types.convert import check_number

    return check_number(total)


@builtin("unique", 1)
def unique(env: Any, arr: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    out: list[Any] = []
    for i in a:
        if not any(equals(i, o) and type(i) is type(o) for o in out):
            out.append(i)
    return out


@builtin("concat", 2)
def concat(env: Any, a: Any, b: Any) -> Any:
    x, y = array_arg(a), array_arg(b)
    if isinstance(x, XError):
        return x
    if isinstance(y, XError):
        return y
    if len(x) + len(y) > MAX_ITEMS:
        return XError(f"array would have more than {MAX_ITEMS} items")
    return x + y


@builtin("filter", 2)
def filter_(env: Any, arr: Any, fn: Any) -> Any:
    a = array_arg(arr)
    if isinstance(a, XError):
        return a
    out = []
    for i in a:
        r = call_function(fn, env, [i])
        if isinstance(r, XError):
            return r
        if truthy(r):
            out.append(i)
    return out
