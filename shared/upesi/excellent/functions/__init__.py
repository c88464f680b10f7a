"""Builtin Excellent functions. Importing this package registers them all."""

from __future__ import annotations

from upesi.excellent.functions import (  # noqa: F401  (imported to register their functions)
    arrays,
    conversion,
    dates,
    encoded,
    formatting,
    logic,
    numbers,
    text,
    utility,
)
from upesi.excellent.functions.registry import FUNCTIONS
from upesi.excellent.types.values import XFunction

_cases_loaded = False


def lookup_function(name: str) -> XFunction | None:
    global _cases_loaded
    if not _cases_loaded:
        # router case tests are also callable functions; they register on import, which must wait until this
        # package (their registry) is fully loaded
        _cases_loaded = True
        import upesi.excellent.cases  # noqa: F401
    return FUNCTIONS.get(name.lower())


__all__ = ["FUNCTIONS", "lookup_function"]
