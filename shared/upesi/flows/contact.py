"""Operations on the contact JSON dict that actions and the context need."""

from __future__ import annotations

from typing import Any

from upesi.excellent.functions.words import tokenize_words
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
    """The first word of a name, split as goflow splits words ("Jean-Paul Sartre" -> "Jean")."""
    parts = tokenize_words(name)
    return parts[0] if parts else ""


def _roles(ch: dict[str, Any]) -> list[str]:
    return ch.get("roles") or ["send", "receive"]


def _prefix_overlap(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def channel_for_urn(u: URN, channels: dict[str, dict[str, Any]], role: str = "send") -> dict[str, Any] | None:
    """The channel for this URN, as goflow's ChannelAssets.GetForURN: the URN's affinity channel if it
    still has the role and scheme; for tel, channels of another country than the number's are skipped
    unless they allow international, and the best prefix match wins (match_prefixes, else the address;
    on a tie the later channel, as goflow); other schemes take the first channel with the role."""
    aff = urn_channel_uuid(u)
    if aff and aff in channels:
        ch = channels[aff]
        if role in _roles(ch) and u.scheme in (ch.get("schemes") or ["tel"]):
            return ch
    if u.scheme != "tel":
        for ch in channels.values():
            if role in _roles(ch) and u.scheme in (ch.get("schemes") or ["tel"]):
                return ch
        return None
    from upesi.flows.envmerge import region_of_number

    country = region_of_number(u.path)
    if not (len(country) == 2 and country.isalpha() and country.isupper()):
        country = ""  # not a country, e.g. 001 for non-geographic numbers
    candidates = []
    for ch in channels.values():
        if "tel" not in (ch.get("schemes") or ["tel"]) or role not in _roles(ch):
            continue
        ch_country = ch.get("country") or ""
        if ch_country and country and ch_country != country and not ch.get("allow_international"):
            continue
        candidates.append(ch)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    number = u.path.removeprefix("+")
    best, best_overlap = None, 0
    for ch in candidates:
        for prefix in ch.get("match_prefixes") or [(ch.get("address") or "").removeprefix("+")]:
            overlap = _prefix_overlap(prefix, number)
            if overlap >= best_overlap:
                best, best_overlap = ch, overlap
    return best


def sendable_destination(
    contact: dict[str, Any], channels: dict[str, dict[str, Any]]
) -> tuple[URN | None, dict[str, Any] | None]:
    for u in contact_urns(contact):
        ch = channel_for_urn(u, channels)
        if ch is not None:
            return u, ch
    return None, None
