"""Operations on the contact JSON dict that actions and the context need."""

from __future__ import annotations

from typing import Any

from upesi.urns import SCHEMES, URN, split_urn

# URN schemes goflow knows, in the order @urns lists them (declared once, in upesi.urns)
URN_SCHEMES = list(SCHEMES)


def contact_urns(contact: dict[str, Any]) -> list[URN]:
    out = []
    for s in contact.get("urns") or []:
        u = split_urn(s)
        if u is not None:
            out.append(u)
    return out


def urn_channel_uuid(u: URN) -> str:
    for part in u.query.split("&"):
        k, _, v = part.partition("=")
        if k == "channel":
            return v
    return ""


def urn_text(u: URN, with_query: bool = False) -> str:
    s = f"{u.scheme}:{u.path}"
    if u.display:
        s += "#" + u.display
    return s


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def channel_for_urn(u: URN, channels: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The channel a message to this URN goes out on: its affinity channel, else the first sender for the scheme."""
    aff = urn_channel_uuid(u)
    if aff and aff in channels:
        return channels[aff]
    for ch in channels.values():
        roles = ch.get("roles") or ["send", "receive"]
        if "send" in roles and u.scheme in (ch.get("schemes") or ["tel"]):
            return ch
    return None


def sendable_destination(
    contact: dict[str, Any], channels: dict[str, dict[str, Any]]
) -> tuple[URN | None, dict[str, Any] | None]:
    for u in contact_urns(contact):
        ch = channel_for_urn(u, channels)
        if ch is not None:
            return u, ch
    return None, None
