"""The locale (language-COUNTRY) stamped on outgoing messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import phonenumbers

if TYPE_CHECKING:
    from upesi.flows.session import Session
    from upesi.flows.urns import URN


def msg_locale(session: Session, lang: str, channel: dict[str, Any] | None, urn: URN | None) -> str:
    """Language plus a country from the channel, the environment or the phone number itself."""
    if not lang or lang == "und":
        return ""
    country = (channel or {}).get("country") or session.env.default_country
    if not country and urn is not None and urn.scheme == "tel":
        try:
            country = phonenumbers.region_code_for_number(phonenumbers.parse(urn.path, None)) or ""
        except phonenumbers.NumberParseException:
            country = ""
    return f"{lang}-{country}" if country and country != "ZZ" else lang
