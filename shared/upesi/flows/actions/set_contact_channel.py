"""set_contact_channel: gives the contact's URNs an affinity for a channel (the first usable URN leads)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.contact import contact_urns
from upesi.flows.events import missing_dependency

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    ref = action.get("channel")
    if not ref:  # no channel: the contact's URNs lose their affinities
        clear_channel_affinity(session)
        return
    ch = session.assets.channels.get(ref.get("uuid", ""))
    if ch is None:
        session.log(missing_dependency("channel", ref.get("uuid", ""), ref.get("name", "")))
        return
    if "send" not in (ch.get("roles") or ["send"]):
        from upesi.flows.events import error_event

        session.log(error_event("Can't set channel that can't send as the preferred channel"))
        return
    set_channel_affinity(session, ch)


def set_channel_affinity(session: Session, ch: dict[str, Any]) -> None:
    schemes = ch.get("schemes") or ["tel"]
    urns = contact_urns(session.contact)
    usable = [i for i, u in enumerate(urns) if u.scheme in schemes]
    if not usable:
        return
    first = urns[usable[0]]
    new = [
        f"{first.scheme}:{first.path}?channel={ch['uuid']}" + (f"#{first.display}" if first.display else "")
    ]
    raw = list(session.contact.get("urns") or [])
    new += [raw[i] for i in range(len(raw)) if i != usable[0]]  # the others keep their own affinity
    if new != list(session.contact.get("urns") or []):
        session.contact["urns"] = new
        session.log({"type": "contact_urns_changed", "urns": new})


def clear_channel_affinity(session: Session) -> None:
    raw = list(session.contact.get("urns") or [])
    new = [_without_query(u) for u in raw]
    if new != raw:
        session.contact["urns"] = new
        session.log({"type": "contact_urns_changed", "urns": new})


def _without_query(urn: str) -> str:
    rest, hash_, display = urn.partition("#")
    return rest.split("?", 1)[0] + hash_ + display
