"""The session environment as seen by a contact (timezone and country follow the contact)."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import phonenumberutil as _pnu

from upesi.excellent.env import Environment
from upesi.excellent.types.dates import load_timezone
from upesi.flows.contact import contact_urns


@lru_cache(maxsize=50_000)
def region_of_number(e164: str) -> str:
    """The country of an E.164 number ("" if unknown), as phonenumbers.parse + region_code_for_number give
    it; cached, since every contact of a batch start is a new number."""
    region = _region_of_plain_e164(e164)
    if region is None:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
        except phonenumbers.NumberParseException:
            return ""
    return region if region and region != "ZZ" else ""


def _region_of_plain_e164(e164: str) -> str | None:
    """The region for the common input, "+" and ASCII digits with a known country code, doing only the steps
    phonenumbers.parse does for it (about a third of its cost: parse's text normalising, extension and
    RFC 3966 handling have nothing to do here); None for anything else, which goes through parse itself.
    tests/upesi/flows/test_region_of_number.py checks it against parse on numbers of every country code."""
    digits = e164[1:]
    if e164[:1] != "+" or not (3 <= len(digits) <= 20 and digits.isdigit() and digits.isascii()):
        return None
    country_code, national = _pnu._extract_country_code(digits)
    if country_code == 0 or len(national) < _pnu._MIN_LENGTH_FOR_NSN:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, _pnu.region_code_for_country_code(country_code)
    )
    if metadata is None:
        return None
    # parse strips a national prefix only when what's left is still a possible length for the region
    _, stripped, _ = _pnu._maybe_strip_national_prefix_carrier_code(national, metadata)
    if _pnu._test_number_length(stripped, metadata) not in _KEEP_PREFIX:
        national = stripped
    if not _pnu._MIN_LENGTH_FOR_NSN <= len(national) <= _pnu._MAX_LENGTH_FOR_NSN:
        return None
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    _pnu._set_italian_leading_zeros_for_phone_number(national, number)
    return phonenumbers.region_code_for_number(number) or ""


_KEEP_PREFIX = (
    phonenumbers.ValidationResult.TOO_SHORT,
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    phonenumbers.ValidationResult.INVALID_LENGTH,
)


def merged_env(env: Environment, contact: dict[str, Any]) -> Environment:
    merged = copy.copy(env)
    merged.extra = dict(env.extra)
    tzname = contact.get("timezone")
    if tzname:
        tz = load_timezone(tzname)
        if tz is not None:
            merged.timezone = tz
    # as goflow: the country of the contact's phone number wins, the environment's is the fallback
    for u in contact_urns(contact):
        if u.scheme == "tel":
            region = region_of_number(u.path)
            if region:
                merged.default_country = region
                break
    return merged
