"""Date, time and datetime builtins (filled out in a later step)."""

from __future__ import annotations

from typing import Any

from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.values import XError


@builtin("now", 0)
def now(env: Any) -> Any:
    return env.now()


def add_legacy(env: Any, a: Any, b: Any) -> Any:
    return XError("legacy_add not supported yet")
