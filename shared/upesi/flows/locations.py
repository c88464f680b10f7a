"""Location values for state/district/ward contact fields, found in the text with the case tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upesi.flows.session import Session


def resolve_location_value(session: Session, level: str, raw: str) -> dict[str, Any]:
    """{"state": path[, "district": path[, "ward": path]]} for the location the text names, or {}."""
    from upesi.excellent.cases import CASE_TESTS
    from upesi.excellent.evaluator import call_function

    test = {"state": "has_state", "district": "has_district", "ward": "has_ward"}[level]
    result = call_function(CASE_TESTS[test], session.env, [raw])
    if getattr(result, "default", False) is not True:
        return {}
    path = str(result.get("match"))
    parts = path.split(" > ")
    out: dict[str, Any] = {}
    names = ["state", "district", "ward"]
    for i, name in enumerate(names[: names.index(level) + 1]):
        out[name] = " > ".join(parts[: i + 2])
    return out
