"""URNs (scheme:path?query#display): the one module that parses, normalises, validates and formats them, for
the engine and for the services, so that one person has one identity whoever writes it.

Phone numbers follow gocommon's urns.ParseNumber (what goflow and courier use) and RapidPro's
URN.normalize_number: a number that is possible for the country (or carries its own +country code) becomes
E.164, and a long number without a leading 0 is tried with a + in front, so "250788383383" with no country is
tel:+250788383383. What is still not a number (a short code without a country, a sender id) keeps its letters
and digits as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

# the schemes goflow and RapidPro know (gocommon urns/schemes.go, temba URN.SCHEME_CHOICES), in the order
# the engine's @urns lists them
SCHEMES = (
    "bsuid", "ext", "facebook", "fcm", "freshchat", "instagram", "jiochat", "line", "mailto",
    "rocketchat", "slack", "tel", "telegram", "twitter", "twitterid", "viber", "vk", "webchat",
    "wechat", "whatsapp",
)  # fmt: skip

_SCHEME_RE = re.compile(r"^[a-z][a-z0-9]*$")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_ALT_SHORT_CODE = re.compile(r"^[1-9][0-9]{2,5}$")
_SENDER_ID = re.compile(r"^[0-9A-Za-z]{3,64}$")
_NUMERIC_SCHEMES = ("telegram", "twitterid", "facebook", "instagram")


class URNError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class URN:
    scheme: str
    path: str
    query: str = ""
    display: str = ""

    @property
    def identity(self) -> str:
        return f"{self.scheme}:{self.path}"

    def __str__(self) -> str:
        s = self.identity
        if self.query:
            s += "?" + self.query
        if self.display:
            s += "#" + self.display
        return s


# ------------------------------------------------------------------------------------------ phone numbers


def parse_number(
    raw: str, country: str | None, *, allow_short: bool = True, allow_sender_id: bool = False
) -> str:
    """A possible phone number as E.164 (or a short code, or a lower-cased sender id when allowed), as
    gocommon's urns.ParseNumber; raises URNError when there is none."""
    raw = raw.strip()
    number = ("+" if raw.startswith("+") else "") + _NON_ALNUM.sub("", raw)
    region = (country or "").upper() or None
    parsed = None
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException as e:
        if region and e.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise URNError("invalid country code") from e
    if parsed is not None and _possible(parsed) and (e164 := _stable_e164(parsed)):
        return e164
    if len(number) >= 11 and not number.startswith("0"):
        try:
            with_plus = phonenumbers.parse("+" + number, region)
            if _possible(with_plus) and (e164 := _stable_e164(with_plus)):
                return e164
        except NumberParseException:
            pass
    if parsed is not None and region and allow_short:
        if phonenumbers.is_possible_short_number_for_region(parsed, region):
            return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
        if _ALT_SHORT_CODE.match(number):  # the metadata on short codes is thin: any 3-6 digits, no leading 0
            return number
    if allow_sender_id and _SENDER_ID.match(number):
        return number.lower()
    raise URNError(f"not a possible number: {raw!r}")


def _possible(parsed: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_possible_number_with_reason(parsed) == ValidationResult.IS_POSSIBLE


def _stable_e164(parsed: phonenumbers.PhoneNumber) -> str | None:
    """E.164 that re-parses to itself (a national number with a leading 0 can format to one that does not)."""
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    for _ in range(3):
        try:
            again = phonenumbers.parse(e164, None)
        except NumberParseException:
            return None
        if not _possible(again):
            return None
        formatted = phonenumbers.format_number(again, PhoneNumberFormat.E164)
        if formatted == e164:
            return e164
        e164 = formatted
    return None


def normalize_phone(number: str, country: str | None) -> str:
    """parse_number, else the letters, digits and + as given (short codes without a country stay usable)."""
    try:
        return parse_number(number, country)
    except URNError:
        pass
    cleaned = "".join(c for c in number.strip() if c.isalnum() or c == "+")
    if not cleaned:
        raise URNError(f"invalid phone number: {number!r}")
    return cleaned


# ----------------------------------------------------------------------------------------------- paths


def normalize_path(scheme: str, path: str, country: str | None = None) -> str:
    """The path in canonical form: E.164 phone numbers, lower-case e-mail and twitter handles, upper-case
    country codes of WhatsApp business-scoped ids."""
    if scheme == "tel":
        return normalize_phone(path, country)
    if scheme in ("whatsapp", "bsuid"):
        path = path.lstrip("+") if scheme == "whatsapp" else path
        return path[:2].upper() + path[2:] if len(path) > 2 and path[2] == "." else path
    if scheme == "twitter":
        return path.lower().lstrip("@")
    if scheme == "mailto":
        return path.lower()
    return path


def parse_urn(value: str, country: str | None = None) -> URN:
    """Parse and normalise `scheme:path[?query][#display]`; raises URNError naming what is wrong."""
    if ":" not in value:
        raise URNError(f"invalid URN {value!r}: expected scheme:path")
    scheme, _, rest = value.partition(":")
    scheme = scheme.strip().lower()
    rest, _, display = rest.partition("#")
    path, _, query = rest.partition("?")
    path = path.strip()
    if scheme not in SCHEMES:
        raise URNError(f"invalid URN {value!r}: unknown scheme {scheme!r}")
    if not path:
        raise URNError(f"invalid URN {value!r}: empty path")
    return URN(scheme, normalize_path(scheme, path, country), query, display)


def tel_urn(number: str, country: str | None) -> URN:
    return URN("tel", normalize_phone(number, country))


# ------------------------------------------------------------------------------------ the engine's needs


@lru_cache(maxsize=65_536)  # URNs are frozen; a session parses its contact's URNs several times a sprint
def split_urn(s: str) -> URN | None:
    """The parts of a URN as written, without normalising; None if it is not structurally a URN."""
    scheme, sep, rest = s.partition(":")
    if not sep or not _SCHEME_RE.match(scheme) or not rest:
        return None
    rest, _, display = rest.partition("#")
    path, _, query = rest.partition("?")
    if not path:
        return None
    return URN(scheme, path, query, display)


def normalize_urn(scheme: str, path: str, country: str = "") -> str | None:
    """scheme:path in canonical form, or None when either part is empty."""
    scheme, path = scheme.strip().lower(), path.strip()
    if not scheme or not path:
        return None
    try:
        return f"{scheme}:{normalize_path(scheme, path, country or None)}"
    except URNError:
        return f"{scheme}:{path}"


def valid_urn_path(urn: str) -> bool:
    """Scheme-specific checks on a normalized URN (numeric ids, e-mail addresses, phone numbers)."""
    scheme, _, path = urn.partition(":")
    if scheme in _NUMERIC_SCHEMES:
        return path.split("#", 1)[0].isdigit() or (scheme == "facebook" and path.startswith("ref:"))
    if scheme == "mailto":
        return "@" in path and "." in path.split("@", 1)[-1]
    if scheme == "tel":
        return any(c.isdigit() for c in path)
    return bool(path)


def format_urn(u: URN, redact: bool = False) -> str:
    """The human form: national phone format for tel, the display name for others that have one."""
    if redact:
        return "********"
    if u.scheme == "tel":
        try:
            return phonenumbers.format_number(phonenumbers.parse(u.path, None), PhoneNumberFormat.NATIONAL)
        except NumberParseException:
            return u.path
    return u.display or u.path
