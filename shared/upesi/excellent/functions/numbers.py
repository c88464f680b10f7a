"""Number builtins: rounding, min/max/mean, mod, abs, random numbers."""

from __future__ import annotations

import decimal
import random
from decimal import Decimal
from typing import Any

from upesi.excellent.functions.args import int_arg, number_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.values import XError
from upesi.gorand import random_decimal

_CTX = decimal.Context(prec=80)


def _round(n: Any, places: Any, mode: str) -> Any:
    d = number_arg(n)
    if isinstance(d, XError):
        return d
    p = 0
    if places is not None:
        pi = int_arg(places)
        if isinstance(pi, XError):
            return pi
        p = pi
    if p > 30:
        return d
    if p < -30:
        return Decimal(0)
    q = Decimal(1).scaleb(-p)
    r = (
        d.quantize(q, rounding=mode, context=_CTX)
        if p >= 0
        else (d.scaleb(p).quantize(1, rounding=mode)).scaleb(-p)
    )
    return r


@builtin("round", 1, 2)
def round_(env: Any, n: Any, places: Any = None) -> Any:
    return _round(n, places, decimal.ROUND_HALF_UP)


@builtin("round_up", 1, 2)
def round_up(env: Any, n: Any, places: Any = None) -> Any:
    return _round(n, places, decimal.ROUND_CEILING)


@builtin("round_down", 1, 2)
def round_down(env: Any, n: Any, places: Any = None) -> Any:
    return _round(n, places, decimal.ROUND_FLOOR)


def _numbers(values: tuple[Any, ...]) -> list[Decimal] | XError:
    out = []
    for v in values:
        d = number_arg(v)
        if isinstance(d, XError):
            return d
        out.append(d)
    return out


@builtin("max", 1, None)
def max_(env: Any, *values: Any) -> Any:
    ns = _numbers(values)
    return ns if isinstance(ns, XError) else max(ns)


@builtin("min", 1, None)
def min_(env: Any, *values: Any) -> Any:
    ns = _numbers(values)
    return ns if isinstance(ns, XError) else min(ns)


@builtin("mean", 1, None)
def mean(env: Any, *values: Any) -> Any:
    ns = _numbers(values)
    if isinstance(ns, XError):
        return ns
    return (_CTX.divide(sum(ns), Decimal(len(ns)))).quantize(Decimal("1E-16"), context=_CTX).normalize()


@builtin("mod", 2)
def mod(env: Any, a: Any, b: Any) -> Any:
    x, y = number_arg(a), number_arg(b)
    if isinstance(x, XError):
        return x
    if isinstance(y, XError):
        return y
    if y == 0:
        return XError("division by zero")
    return x - y * Decimal(int(x / y))


@builtin("abs", 1)
def abs_(env: Any, n: Any) -> Any:
    d = number_arg(n)
    return d if isinstance(d, XError) else abs(d)


def _rng(env: Any) -> random.Random:
    r = getattr(env, "extra", {}).get("rng")
    return r if r is not None else random  # type: ignore[return-value]


@builtin("rand", 0)
def rand(env: Any) -> Any:
    return random_decimal(_rng(env))


@builtin("rand_between", 2)
def rand_between(env: Any, a: Any, b: Any) -> Any:
    lo, hi = number_arg(a), number_arg(b)
    if isinstance(lo, XError):
        return lo
    if isinstance(hi, XError):
        return hi
    # as goflow: floor(draw * (max - min + 1) + min), with the bounds taken as given (not swapped)
    drawn = _CTX.add(_CTX.multiply(random_decimal(_rng(env)), _CTX.add(_CTX.subtract(hi, lo), 1)), lo)
    return drawn.to_integral_value(decimal.ROUND_FLOOR)
