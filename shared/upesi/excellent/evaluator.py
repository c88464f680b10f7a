"""Walks the tuple AST produced by the parser. Errors are returned as XError values, never raised."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from upesi.excellent.scope import MISSING, Scope
from upesi.excellent.types.convert import (
    check_number,
    describe,
    equals,
    to_number,
    to_text,
)
from upesi.excellent.types.values import XError, XFunction, XLambda, XObject

_CTX = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP, Emax=999999, Emin=-999999)
_DIV_QUANT = Decimal("1E-16")


def evaluate(node: tuple[Any, ...], env: Any, scope: Scope) -> Any:
    kind = node[0]
    # property paths (@contact.name, @results.x.category) are most of what templates evaluate: first
    if kind == "dot":
        target = evaluate(node[1], env, scope)
        key = node[2]
        if isinstance(target, XObject):
            deprecated = target.deprecated_keys
            if deprecated and key.lower() in deprecated:
                scope.warn(deprecated[key.lower()])
            v = target.get(key, MISSING)
            if v is MISSING:
                return XError(f"object has no property '{key}'")
            return v
        return lookup(target, key, by_key=True)
    if kind == "ref":
        name = node[1]
        root = scope.root
        if root is not None:
            deprecated = root.deprecated_keys
            if deprecated and name.lower() in deprecated:
                scope.warn(deprecated[name.lower()])
            if (
                scope.vars is None and scope.parent is None
            ):  # not in a lambda: a name is the root's or a function
                v = root.get(name, MISSING)
                if v is not MISSING:
                    return v
        return _resolve(name, scope)
    if kind == "lit":
        return node[1]
    if kind == "idx":
        target = evaluate(node[1], env, scope)
        if isinstance(target, XError):
            return target
        idx = evaluate(node[2], env, scope)
        if isinstance(idx, XError):
            return idx
        return lookup(target, idx, by_key=False)
    if kind == "call":
        return _call(node, env, scope)
    if kind == "bin":
        return _binary(node[1], evaluate(node[2], env, scope), evaluate(node[3], env, scope))
    if kind == "neg":
        v = to_number(evaluate(node[1], env, scope))
        if isinstance(v, XError):
            return v
        return -v
    if kind == "lambda":
        return XLambda(node[1], node[2], scope, evaluate)
    if kind == "lit_err":
        return XError(node[1])
    return XError(f"unknown node {kind}")


def _resolve(name: str, scope: Scope) -> Any:
    v = scope.get(name)
    if v is not MISSING:
        return v
    from upesi.excellent.functions import lookup_function

    fn = lookup_function(name)
    if fn is not None:
        return fn
    return XError(f"context has no property '{name.lower()}'")


def lookup(target: Any, key: Any, by_key: bool) -> Any:
    """Property or index lookup: objects by case-insensitive key, arrays by (negative) integer index."""
    if isinstance(target, XError):
        return target
    if isinstance(target, XObject):
        k = to_text(key)
        v = target.get(k, MISSING)
        if v is MISSING:
            return XError(f"object has no property '{k}'")
        return v
    if isinstance(target, list):
        if by_key and not str(key).lstrip("-").isdigit():
            return XError(f"unable to convert {describe(key)} to an integer")
        n = to_number(key)
        if isinstance(n, XError):
            return XError(f"unable to convert {describe(key)} to a number")
        i = int(n)
        if i >= len(target) or i < -len(target):
            return XError(f"index {i} out of range for {len(target)} items")
        return target[i]
    return XError(f"{describe(target)} doesn't support lookups")


def _call(node: tuple[Any, ...], env: Any, scope: Scope) -> Any:
    fnode = node[1]
    fn = evaluate(fnode, env, scope)
    if isinstance(fn, XError):
        if fnode[0] == "ref":
            return XError(f"{fnode[1].lower()} is not a function")
        return fn
    if fnode[0] == "ref" and not isinstance(fn, XFunction | XLambda):
        return XError(f"{fnode[1].lower()} is not a function")
    args = [evaluate(a, env, scope) for a in node[2]]
    return call_function(fn, env, args)


def call_function(fn: Any, env: Any, args: list[Any]) -> Any:
    if isinstance(fn, XFunction):
        result = fn.call(env, args)
        if isinstance(result, XError):
            return XError(f"error calling {fn.name}(...): {result.message}")
        return result
    if isinstance(fn, XLambda):
        return fn.call(env, args)
    return XError(f"{describe(fn)} is not a function")


def _binary(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, XError):
        return a
    if isinstance(b, XError):
        return b
    if op == "&":
        return to_text(a) + to_text(b)
    if op == "=":
        return equals(a, b)
    if op == "!=":
        return not equals(a, b)
    if op in ("<", "<=", ">", ">="):
        return _compare(op, a, b)
    na = to_number(a)
    if isinstance(na, XError):
        return na
    nb = to_number(b)
    if isinstance(nb, XError):
        return nb
    r: Decimal | XError
    try:
        if op == "+":
            r = _CTX.add(na, nb)
        elif op == "-":
            r = _CTX.subtract(na, nb)
        elif op == "*":
            r = _CTX.multiply(na, nb)
        elif op == "/":
            if nb == 0:
                return XError("division by zero")
            r = _CTX.divide(na, nb).quantize(_DIV_QUANT, context=_CTX)
        else:
            r = _power(na, nb)
            if isinstance(r, XError):
                return r
    except (decimal.Overflow, decimal.InvalidOperation):
        return XError("number value out of range")
    return check_number(r)


def _power(a: Decimal, b: Decimal) -> Decimal | XError:
    if b == b.to_integral_value():
        if abs(b) > 1000:
            return XError("number value out of range")
        r = _CTX.power(a, int(b)) if b >= 0 else _CTX.divide(Decimal(1), _CTX.power(a, -int(b)))
    else:
        if a < 0:
            return XError("number value out of range")
        r = Decimal(repr(float(a) ** float(b)))
    return r


def _compare(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, XObject) and a.has_default:
        a = a.default
    if isinstance(b, XObject) and b.has_default:
        b = b.default
    temporal = (dt.datetime, dt.date, dt.time)
    # two values of one temporal type compare as themselves, anything else as numbers
    x: Any
    y: Any
    if isinstance(a, temporal) and type(a) is type(b):
        x, y = a, b
    else:
        x = to_number(a)
        if isinstance(x, XError):
            return x
        y = to_number(b)
        if isinstance(y, XError):
            return y
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y
