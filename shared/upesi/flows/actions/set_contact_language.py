"""set_contact_language: a 3-letter language code, or "" to clear it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_text

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("language",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    lang = evaluate_text(session, run, action.get("language") or "").strip()
    if lang and not (len(lang) == 3 and lang.isalpha()):
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
