"""The session environment as seen by a contact (timezone and country follow the contact)."""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import phonenumbers
import phonenumbers.phonenumberutil as pnu
from phonenumbers import PhoneMetadata

from upesi.excellent.env import Environment
from upesi.excellent.types.dates import load_timezone
from upesi.flows.contact import contact_urns


@lru_cache(maxsize=50_000)
def region_of_number(e164: str) -> str:
    """The country of an E.164 number ("" if unknown); cached since parsing numbers is costly."""
    if _PLUS_DIGITS.fullmatch(e164):
        region = _region_of_plus_digits(e164)
        if region is not None:
            return region
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return ""
    return region if region and region != "ZZ" else ""


# A start sees each contact's number once, so the cache above never hits there and phonenumbers.parse
# was most of a start's cost. For "+" and ASCII digits, parse(number, None) reduces to the steps below
# (the rest of it normalises punctuation, letters, extensions, RFC 3966 and IDD prefixes, none of which
# such a string has); tests/upesi/flows/test_region_of_number.py holds it to phonenumbers itself.
_PLUS_DIGITS = re.compile(r"\+[0-9]{3,17}")


def _region_of_plus_digits(number: str) -> str | None:
    """region_code_for_number(parse(number, None)) for "+digits", "" when there is none; None when
    the slow path must decide (the number would not parse: it raises there)."""
    if not pnu._is_viable_phone_number(number):
        return None
    country_code, national = pnu._extract_country_code(number[1:])
    if country_code == 0:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, pnu.region_code_for_country_code(country_code)
    )
    if metadata is None or len(national) < pnu._MIN_LENGTH_FOR_NSN:
        return None
    _, potential, _ = pnu._maybe_strip_national_prefix_carrier_code(national, metadata)
    if pnu._test_number_length(potential, metadata) not in _KEEP_PREFIX:
        national = potential
    if not pnu._MIN_LENGTH_FOR_NSN <= len(national) <= pnu._MAX_LENGTH_FOR_NSN:
        return None
    regions = pnu.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        region = None
    elif len(regions) == 1:
        region = regions[0]
    else:
        region = _region_from_list(_significant(national), regions)
    return region if region and region != "ZZ" else ""


_KEEP_PREFIX = (
    pnu.ValidationResult.TOO_SHORT,
    pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    pnu.ValidationResult.INVALID_LENGTH,
)


def _significant(national: str) -> str:
    """national_significant_number() of the number parse() builds from these digits: the integer
    keeps the Italian leading zeros that _set_italian_leading_zeros_for_phone_number counts."""
    digits = str(int(national))
    if len(national) > 1 and national[0] == "0":
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        return "0" * zeros + digits
    return digits


def _region_from_list(nsn: str, regions: tuple[str, ...]) -> str | None:
    """phonenumbers._region_code_for_number_from_list, except that a region's full validation asks
    the same question (is the number of any type?) with the likely types first."""
    for region_code in regions:
        metadata = PhoneMetadata.metadata_for_region(region_code.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if pnu.re_compile(metadata.leading_digits).match(nsn):
                return region_code
        elif _of_any_type(nsn, metadata):
            return region_code
    return None


def _of_any_type(nsn: str, metadata: Any) -> bool:
    """_number_type_helper(nsn, metadata) != UNKNOWN: the general description and at least one type."""
    matching = pnu._is_number_matching_desc
    if not matching(nsn, metadata.general_desc):
        return False
    return any(
        matching(nsn, desc)
        for desc in (
            metadata.fixed_line,
            metadata.mobile,
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
        )
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
