"""URNs (scheme:path), parsed and normalised as RapidPro does so that one person has one identity."""

from dataclasses import dataclass

import phonenumbers

SCHEMES = {
    "tel", "whatsapp", "telegram", "facebook", "instagram", "twitter", "twitterid", "email", "ext",
    "viber", "line", "jiochat", "wechat", "fcm", "freshchat", "vk", "discord", "rocketchat", "webchat", "slack",
    "teams", "mailto",
}  # fmt: skip


class URNError(ValueError):
    pass


@dataclass(frozen=True)
class URN:
    scheme: str
    path: str
    display: str | None = None

    @property
    def identity(self) -> str:
        return f"{self.scheme}:{self.path}"

    def __str__(self) -> str:
        return self.identity if not self.display else f"{self.identity}#{self.display}"


def normalize_phone(number: str, country: str | None) -> str:
    """E.164 when the number parses as possible for the country (or carries its own +prefix); otherwise the
    digits as given, which keeps short codes such as 2020 usable."""
    raw = number.strip()
    try:
        parsed = phonenumbers.parse(raw, (country or "").upper() or None)
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    if not raw.startswith("+"):
        try:
            parsed = phonenumbers.parse("+" + raw, None)
            if phonenumbers.is_valid_number(parsed):
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    cleaned = "".join(c for c in raw if c.isalnum() or c == "+")
    if not cleaned:
        raise URNError(f"invalid phone number: {number!r}")
    return cleaned


def parse_urn(value: str, country: str | None = None) -> URN:
    """Parse `scheme:path[#display]`, normalising the path. Raises URNError naming what is wrong."""
    if ":" not in value:
        raise URNError(f"invalid URN {value!r}: expected scheme:path")
    scheme, _, rest = value.partition(":")
    scheme = scheme.strip().lower()
    path, _, display = rest.partition("#")
    path = path.strip()
    if scheme not in SCHEMES:
        raise URNError(f"invalid URN {value!r}: unknown scheme {scheme!r}")
    if not path:
        raise URNError(f"invalid URN {value!r}: empty path")
    return URN(scheme, normalize_path(scheme, path, country), display or None)


def normalize_path(scheme: str, path: str, country: str | None = None) -> str:
    if scheme == "tel":
        return normalize_phone(path, country)
    if scheme == "whatsapp":
        return path.lstrip("+")
    if scheme in ("twitter", "email", "mailto"):
        return path.lower().lstrip("@") if scheme == "twitter" else path.lower()
    return path


def tel_urn(number: str, country: str | None) -> URN:
    return URN("tel", normalize_phone(number, country))
