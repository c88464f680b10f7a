"""region_of_number's own reading of "+digits" numbers agrees with phonenumbers' parse for every one."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from upesi.flows.envmerge import _PLUS_DIGITS, region_of_number


def _reference(number: str) -> str:
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return ""
    return region if region and region != "ZZ" else ""


def _numbers() -> list[str]:
    rng = random.Random(20261123)
    out: list[str] = []
    # every region's example numbers of every type, as written in E.164
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in vars(PhoneNumberType).values():
            if not isinstance(kind, int):
                continue
            ex = phonenumbers.example_number_for_type(region, kind)
            if ex is not None:
                out.append(phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        cc = str(code)
        for length in range(1, 16):
            for _ in range(12):
                out.append("+" + cc + "".join(rng.choice("0123456789") for _ in range(length)))
            # national prefixes and leading zeros, which parse strips or keeps
            out.append("+" + cc + "0" * length)
            out.append("+" + cc + "1" + "".join(rng.choice("0123456789") for _ in range(length)))
            out.append("+" + cc + "0" + "".join(rng.choice("0123456789") for _ in range(length)))
    # North America's many regions, which need the full per-region matching
    for _ in range(20_000):
        out.append("+1" + "".join(rng.choice("0123456789") for _ in range(rng.choice((9, 10, 10, 10, 11)))))
    for area in range(200, 1000):
        out.append(f"+1{area}{rng.randrange(2_000_000, 10_000_000)}")
    # not country codes, too short or long, and what the fast path leaves to phonenumbers
    out += ["+0123456789", "+999123456", "+123", "+12", "+1", "+", "+" + "1" * 17, "+" + "9" * 18]
    out += ["+1 202 555 0100", "+1-202-555-0100", "+١٢٠٢٥٥٥٠١٠٠", "1234", "+12025550100x12", ""]
    return out


def test_agrees_with_phonenumbers() -> None:
    numbers = _numbers()
    assert sum(1 for n in numbers if _PLUS_DIGITS.fullmatch(n)) > 50_000  # most take the fast path
    region_of_number.cache_clear()
    wrong = [(n, region_of_number(n), _reference(n)) for n in numbers if region_of_number(n) != _reference(n)]
    assert wrong == []


@pytest.mark.parametrize(
    ("number", "region"),
    [("+12022000001", "US"), ("+14165550123", "CA"), ("+18762345678", "JM"), ("+250788123456", "RW")],
)
def test_known_regions(number: str, region: str) -> None:
    assert region_of_number(number) == region
