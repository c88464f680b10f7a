"""transfer_airtime: sends airtime to the contact's phone through the engine's airtime service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.contact import contact_urns
from upesi.flows.events import error_event

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("amounts",)


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    tel = next((u for u in contact_urns(session.contact) if u.scheme == "tel"), None)
    if tel is None:
        session.log(error_event("can't transfer airtime to contact without a phone number"))
        return
    service = getattr(session.engine, "airtime", None)
    if service is None:
        session.log(error_event("no airtime service available"))
        return
    transfer = service(f"tel:{tel.path}", dict(action["amounts"]))
    session.log({"type": "airtime_created", **transfer})
