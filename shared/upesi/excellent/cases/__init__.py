"""Router case tests. Each is also an Excellent function returning {__default__: bool, match, extra}."""

from __future__ import annotations

from upesi.excellent.cases import dates, locations, numbers, other, text  # noqa: F401  (registering)
from upesi.excellent.cases.registry import CASE_TESTS
from upesi.excellent.types.values import XFunction

__all__ = ["CASE_TESTS", "XFunction"]
