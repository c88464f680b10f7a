"""set_contact_timezone: an IANA zone name, or "" to clear it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.excellent.types.dates import load_timezone
from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_or_skip

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    raw = evaluate_or_skip(session, run, action.get("timezone") or "")
    if raw is None:
        return
    tz = raw.strip()
    if tz and load_timezone(tz) is None:
        session.log(error_event(f"Unrecognized timezone: '{tz}'", "timezone:invalid", {"timezone": tz}))
        return
    if tz == (session.contact.get("timezone") or ""):
        return
    if tz:
        session.contact["timezone"] = tz
    else:
        session.contact.pop("timezone", None)
    session.log({"type": "contact_timezone_changed", "timezone": tz})
