"""Registration of case tests into both the router table and the Excellent function table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upesi.excellent.functions.registry import FUNCTIONS, builtin
from upesi.excellent.types.values import XFunction, XObject

CASE_TESTS: dict[str, XFunction] = {}


def true_result(match: Any, extra: Any = None) -> XObject:
    props: dict[str, Any] = {"match": match}
    if extra is not None:
        props["extra"] = extra
    return XObject(props, default=True)


FALSE_RESULT_PROPS = {"match": ""}


def false_result() -> XObject:
    return XObject(dict(FALSE_RESULT_PROPS), default=False)


def case_test(
    name: str, lo: int, hi: int | None = -1, errors_ok: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        builtin(name, lo, hi, errors_ok=errors_ok)(fn)
        CASE_TESTS[name] = FUNCTIONS[name]
        return fn

    return deco
