"""set_contact_language: a 3-letter language code, or "" to clear it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_or_skip

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("language",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    raw = evaluate_or_skip(session, run, action.get("language") or "")
    if raw is None:
        return
    lang = raw.strip()
    if lang and len(lang) != 3:
        session.log(error_event(f"iso-639-3 codes must be 3 characters, got: {lang}"))
        return
    if lang and not lang.isalpha():
        session.log(error_event(f"'{lang}' is not a valid language code"))
        return
    if lang == (session.contact.get("language") or ""):
        return
    if lang:
        session.contact["language"] = lang
    else:
        session.contact.pop("language", None)
    session.log({"type": "contact_language_changed", "language": lang})
    from upesi.flows.groups import reevaluate_query_groups

    reevaluate_query_groups(session)
