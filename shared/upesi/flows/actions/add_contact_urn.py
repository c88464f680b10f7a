"""add_contact_urn: adds a URN (normalised) to the contact if it doesn't already have it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event
from upesi.flows.runtime import evaluate_text
from upesi.urns import normalize_urn, valid_urn_path

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("scheme", "path")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    path = evaluate_text(session, run, action.get("path") or "").strip()
    if not path:
        session.log(error_event("Can't add URN with empty path"))
        return
    urn = normalize_urn(action["scheme"], path, session.env.default_country)
    if urn is None or not valid_urn_path(urn):
        raw = f"{action['scheme']}:{path}"
        session.log(error_event(f"'{raw}' is not valid URN", "urn:invalid", {"urn": raw}))
        return
    existing = list(session.contact.get("urns") or [])
    identities = {u.split("?", 1)[0].split("#", 1)[0] for u in existing}
    if urn in identities:
        return
    existing.append(urn)
    session.contact["urns"] = existing
    session.log({"type": "contact_urns_changed", "urns": existing})
    from upesi.flows.groups import reevaluate_query_groups

    reevaluate_query_groups(session)
