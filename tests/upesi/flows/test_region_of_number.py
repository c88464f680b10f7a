"""The country the engine derives from a contact's phone number, as goflow does (phonenumbers' region)."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from upesi.flows.envmerge import _region_of_plain_e164, region_of_number


@pytest.mark.parametrize(
    ("number", "region"),
    [("+12022000001", "US"), ("+14165550123", "CA"), ("+18762345678", "JM"), ("+250788123456", "RW")],
)
def test_known_regions(number: str, region: str) -> None:
    assert region_of_number(number) == region


def test_no_region_for_unknown_or_invalid_numbers() -> None:
    assert region_of_number("+999123456") == ""
    assert region_of_number("+12") == ""


def _parse_region(e164: str) -> str:
    """What region_of_number gave before its fast path: phonenumbers.parse and region_code_for_number."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return ""
    return region if region and region != "ZZ" else ""


@pytest.mark.parametrize("country_code", [*sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE), 0, 28, 42, 999])
def test_fast_path_agrees_with_parse(country_code: int) -> None:
    """The fast path for "+digits" does only the steps parse does for such input: for numbers of every
    country code (national prefixes, leading zeros, too short and too long), it gives parse's region."""
    rng = random.Random(country_code)
    numbers = [
        f"+{country_code or ''}{lead}{''.join(rng.choice('0123456789') for _ in range(length))}"
        for length in range(19)
        for lead in ("", "0", "1", "00")
        for _ in range(3)
    ]
    got = [(n, region_of_number.__wrapped__(n)) for n in numbers]
    assert got == [(n, _parse_region(n)) for n in numbers]
    assert any(_region_of_plain_e164(n) is not None for n in numbers) or country_code in (0, 28, 42, 999)
