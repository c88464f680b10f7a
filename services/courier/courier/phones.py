"""Building URNs from what providers send: phone numbers parsed with the channel's country, as the reference."""

import phonenumbers

from courier.handlers.base import HandlerError
from upesi.urns import URNError, normalize_path, normalize_phone


def tel_path(number: str, country: str | None) -> str:
    """E.164 when the number can be parsed; short codes stay as given; letters are refused."""
    raw = number.strip()
    if not raw or any(c.isalpha() for c in raw):
        raise HandlerError(f"'{number}' is not a possible number")
    try:
        return normalize_phone(raw, country)
    except URNError as e:
        raise HandlerError(str(e)) from e


def urn_for(scheme: str, value: str, country: str | None = None) -> str:
    value = value.strip()
    if scheme == "tel":
        return "tel:" + tel_path(value, country)
    if not value:
        raise HandlerError("empty URN path")
    return f"{scheme}:{normalize_path(scheme, value, country)}"


def national_number(number: str, country: str | None) -> str:
    """The number without its country code (EX/KN use_national)."""
    try:
        parsed = phonenumbers.parse(number, (country or "").upper() or None)
        return str(parsed.national_number)
    except phonenumbers.NumberParseException:
        return number.lstrip("+")
