"""Phone numbers found in text, as goflow finds them (utils/phone.go over gocommon urns.ParseNumber).

A "+" is only added to numbers of 11 characters or more that don't start with 0, so "(206) 555-1212"
for a Rwandan contact is not a phone number (it is not possible in Rwanda), where a looser reading
would make +2065551212 of it.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException

_NON_TEL_RE = re.compile(r"[^0-9A-Za-z]")
_ALT_SHORT_CODE_RE = re.compile(r"^[1-9][0-9]{2,5}$")
_SENDER_ID_RE = re.compile(r"^[0-9A-Za-z]{3,64}$")
_PHONE_PATH_RE = re.compile(r"^((\+[0-9]{7,15})|([a-z0-9]{1,64}))$")  # gocommon's phoneRegex
_POSSIBLE_RE = re.compile(r"\+?[0-9 .\-()]{5,}")  # goflow's possiblePhone (Go's \d is ASCII)


def _is_possible(n: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_possible_number_with_reason(n) == phonenumbers.ValidationResult.IS_POSSIBLE


def _parse(s: str, country: str) -> tuple[phonenumbers.PhoneNumber | None, NumberParseException | None]:
    try:
        return phonenumbers.parse(s, country or None), None
    except NumberParseException as e:
        return None, e


def _format_e164(n: phonenumbers.PhoneNumber) -> str | None:
    """E.164, re-parsed until it is stable (gocommon's formatE164); None if it never is."""
    e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    for _ in range(3):
        again, err = _parse(e164, "")
        if err is not None or again is None or not _is_possible(again):
            return None
        reformatted = phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164)
        if reformatted == e164:
            return e164
        e164 = reformatted
    return None


def parse_number(
    raw: str, country: str, allow_short: bool = False, allow_sender_id: bool = False
) -> str | None:
    """gocommon urns.ParseNumber: a possible number as E.164 (or a short code / sender ID if allowed)."""
    raw = raw.strip()
    plus = raw.startswith("+")
    raw = _NON_TEL_RE.sub("", raw)
    if plus:
        raw = "+" + raw
    parsed, err = _parse(raw, country)
    if country and err is not None and err.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        return None
    if parsed is not None and _is_possible(parsed) and (e164 := _format_e164(parsed)):
        return e164
    # sufficiently long and not starting with 0: try it as international
    if len(raw) >= 11 and not raw.startswith("0"):
        with_plus, err = _parse("+" + raw, country)
        if with_plus is not None and _is_possible(with_plus) and (e164 := _format_e164(with_plus)):
            return e164
    if parsed is not None and country and allow_short:
        if phonenumbers.is_possible_short_number_for_region(parsed, country):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        if _ALT_SHORT_CODE_RE.match(raw):
            return raw
    if allow_sender_id and _SENDER_ID_RE.match(raw):
        return raw.lower()
    return None


def parse_phone_number(s: str, country: str) -> str:
    """goflow's utils.ParsePhoneNumber: the text as one phone number in E.164, or ""."""
    s = s.strip()
    if not _POSSIBLE_RE.fullmatch(s):
        return ""
    number = parse_number(s, country)
    if number is None or not _PHONE_PATH_RE.match(number):
        return ""
    return number


def find_phone_numbers(s: str, country: str) -> list[str]:
    """goflow's utils.FindPhoneNumbers: every phone number in the text, in order."""
    found = (parse_phone_number(m.group(), country) for m in _POSSIBLE_RE.finditer(s))
    return [n for n in found if n]
