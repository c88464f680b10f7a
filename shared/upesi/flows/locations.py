"""Location lookups (states, districts, wards) against the location assets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upesi.flows.session import Session


def resolve_location_value(session: Session, level: str, raw: str) -> dict[str, Any]:
    return {}
