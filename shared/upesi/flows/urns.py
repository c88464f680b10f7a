"""URN parsing and display formatting (scheme:path?query#display)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

_SCHEME_RE = re.compile(r"^[a-z][a-z0-9]*$")


@dataclass(frozen=True, slots=True)
class URN:
    scheme: str
    path: str
    query: str = ""
    display: str = ""

    def identity(self) -> str:
        return f"{self.scheme}:{self.path}"

    def __str__(self) -> str:
        s = f"{self.scheme}:{self.path}"
        if self.query:
            s += "?" + self.query
        if self.display:
            s += "#" + self.display
        return s


@lru_cache(maxsize=65_536)  # URNs are frozen; a session parses its contact's URNs several times a sprint
def parse_urn(s: str) -> URN | None:
    scheme, sep, rest = s.partition(":")
    if not sep or not _SCHEME_RE.match(scheme) or not rest:
        return None
    rest, _, display = rest.partition("#")
    path, _, query = rest.partition("?")
    if not path:
        return None
    return URN(scheme, path, query, display)


def format_urn(u: URN, redact: bool = False) -> str:
    """The human form: national phone format for tel, the display name for others that have one."""
    if redact:
        return "********"
    if u.scheme == "tel":
        try:
            num = phonenumbers.parse(u.path, None)
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        except phonenumbers.NumberParseException:
            return u.path
    if u.display:
        return u.display
    return u.path


def normalize_urn(scheme: str, path: str, country: str = "") -> str | None:
    """scheme:path in canonical form: E.164 for phone numbers, lower-case e-mail and twitter handles."""
    scheme = scheme.strip().lower()
    path = path.strip()
    if not scheme or not path:
        return None
    if scheme in ("tel", "whatsapp"):
        try:
            num = phonenumbers.parse(path, (country or None) and country.upper())
            if phonenumbers.is_possible_number(num):
                e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
                return f"{scheme}:{e164 if scheme == 'tel' else e164.lstrip('+')}"
        except phonenumbers.NumberParseException:
            pass
        digits = "".join(c for c in path if c.isdigit() or c == "+")
        return f"{scheme}:{digits or path}"
    if scheme == "mailto":
        return f"mailto:{path.lower()}"
    if scheme == "twitter":
        return f"twitter:{path.lstrip('@').lower()}"
    return f"{scheme}:{path}"


_NUMERIC_SCHEMES = ("telegram", "twitterid", "facebook", "instagram")


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
