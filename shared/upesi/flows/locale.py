"""The locale (language-COUNTRY) stamped on outgoing messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upesi.flows.session import Session
    from upesi.urns import URN


def msg_locale(session: Session, lang: str, channel: dict[str, Any] | None, urn: URN | None) -> str:
    """Language plus a country from the channel, the environment or the phone number itself."""
    if not lang:
        return ""
    # the contact's country (the environment's, or where their number is from) wins over the channel's
    country = session.env.default_country or (channel or {}).get("country") or ""
    if not country and urn is not None and urn.scheme == "tel":
        from upesi.flows.envmerge import region_of_number

        country = region_of_number(urn.path)
    return f"{lang}-{country}" if country and country != "ZZ" else lang
