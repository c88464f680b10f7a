"""The URNs a person or an API client may give a contact: RapidPro's URN.normalize followed by URN.validate
(temba/contacts/models.py), one rule for the contact form, the send dialog, the contact import and API v2's
contact writes.

Inbound messages and the engine keep the lenient `upesi.urns.parse_urn` (a provider's sender is whatever it
is); only what people type is held to this. A phone number must parse for the workspace's country and be
possible (phonenumbers' is_possible_number_with_reason == IS_POSSIBLE, as temba.utils.urns.parse_number), so
"12ab", "+1202" and short codes are refused; the other schemes follow URN.validate's per-scheme patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from upesi.urns import URN, URNError, parse_urn


class InvalidURN(URNError):
    """A URN refused for a contact; the message says why in words a person can act on."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value} is not valid: {reason}")
        self.value = value
        self.reason = reason


_HANDLE = re.compile(r"^[a-zA-Z0-9_]{1,15}$")
_DIGITS = re.compile(r"^[0-9]+$")
_BSUID = re.compile(r"^[A-Z]{2}\.[a-zA-Z0-9]{1,128}$")  # URN.BSUID_PATH_REGEX
_VIBER = re.compile(r"^[a-zA-Z0-9_=+/]{1,24}$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_FRESHCHAT = re.compile(rf"^{_UUID}/{_UUID}$")
# Django's EmailValidator in brief: a local part, a dot-separated domain with a top-level label of letters
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$")  # fmt: skip


def _tel(urn: URN, country: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(urn.path, (country or "").upper() or None)
    except NumberParseException:
        if not country:
            return "not a phone number; the workspace has no country, so include the country code (+...)"
        return "not a phone number"
    if phonenumbers.is_possible_number_with_reason(parsed) != ValidationResult.IS_POSSIBLE:
        where = f" in {country.upper()}" if country else ""
        return f"not a possible phone number{where}; check the digits and include the country code (+...)"
    return None


def _matches(pattern: re.Pattern[str], what: str) -> Callable[[URN, str | None], str | None]:
    def check(urn: URN, country: str | None) -> str | None:
        return None if pattern.match(urn.path) else f"expected {what}"

    return check


def _twitterid(urn: URN, country: str | None) -> str | None:
    if not _DIGITS.match(urn.path):
        return "expected a numeric id"
    if urn.display and not _HANDLE.match(urn.display):
        return "expected a Twitter handle after #"
    return None


def _facebook(urn: URN, country: str | None) -> str | None:
    if urn.path.startswith("ref:") or _DIGITS.match(urn.path):  # refs come from the outside, unchecked
        return None
    return "expected a numeric id or ref:..."


def _whatsapp(urn: URN, country: str | None) -> str | None:
    if _DIGITS.match(urn.path) or _BSUID.match(urn.path):
        return None
    return "expected the number's digits or a business-scoped id (CC.xxx)"


# one checker per scheme that URN.validate checks; the schemes it lets through as they are are listed
CHECKS: dict[str, Callable[[URN, str | None], str | None]] = {
    "tel": _tel,
    "twitter": _matches(_HANDLE, "a handle of up to 15 letters, digits or _"),
    "twitterid": _twitterid,
    "mailto": _matches(_EMAIL, "an email address"),
    "facebook": _facebook,
    "telegram": _matches(_DIGITS, "a numeric id"),
    "instagram": _matches(_DIGITS, "a numeric id"),
    "whatsapp": _whatsapp,
    "bsuid": _matches(_BSUID, "a business-scoped id (CC.xxx)"),
    "viber": _matches(_VIBER, "up to 24 letters, digits or _=+/"),
    "freshchat": _matches(_FRESHCHAT, "two UUIDs separated by /"),
}
UNCHECKED = frozenset({"ext", "fcm", "jiochat", "line", "rocketchat", "slack", "vk", "webchat", "wechat"})


def checked_urn(value: str, country: str | None) -> URN:
    """The normalised URN for a contact, or InvalidURN saying what is wrong with it."""
    value = value.strip()
    try:
        urn = parse_urn(value, country)
    except URNError as e:
        raise InvalidURN(value, str(e)) from None
    if urn.scheme in UNCHECKED:
        return urn
    check = CHECKS.get(urn.scheme)
    if check is None:  # a scheme added to SCHEMES without a decision here
        raise InvalidURN(value, f"no rule for the {urn.scheme!r} scheme")
    if reason := check(urn, country):
        raise InvalidURN(value, reason)
    return urn


def typed_urn(value: str, country: str | None) -> URN:
    """checked_urn for a form field where a bare number means a phone number."""
    value = value.strip()
    if ":" in value:
        return checked_urn(value, country)
    try:
        return checked_urn(f"tel:{value}", country)
    except InvalidURN as e:
        raise InvalidURN(value, e.reason) from None
