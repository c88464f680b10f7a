"""The builtin function table and the decorator that registers functions with arity checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upesi.excellent.types.values import XError, XFunction

FUNCTIONS: dict[str, XFunction] = {}


def _arity_error(lo: int, hi: int | None, got: int) -> XError:
    if hi is None:
        return XError(f"need at least {lo} argument(s), got {got}")
    if lo == hi:
        return XError(f"need {lo} argument(s), got {got}")
    return XError(f"need {lo} to {hi} argument(s), got {got}")


def builtin(
    name: str, lo: int, hi: int | None = -1, errors_ok: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register fn(env, *args). hi=-1 means exactly lo args; hi=None means variadic.

    Unless errors_ok, an error argument is returned as the result without calling fn, which is how
    goflow's typed wrappers behave.
    """
    if hi == -1:
        hi = lo

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(env: Any, *args: Any) -> Any:
            n = len(args)
            if n < lo or (hi is not None and n > hi):
                return _arity_error(lo, hi, n)
            if not errors_ok:
                for a in args:
                    if isinstance(a, XError):
                        return a
            return fn(env, *args)

        FUNCTIONS[name] = XFunction(name, wrapper)
        return fn

    return deco
