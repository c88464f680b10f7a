"""Phone numbers in text, as goflow's has_phone (utils/phone.go over gocommon urns.ParseNumber).

Vectors from goflow's flows/routers/cases/tests_test.go TestHasPhone, utils/phone_test.go and
gocommon's urns/phone_test.go.
"""

from __future__ import annotations

import pytest

from upesi.excellent.cases.phones import find_phone_numbers, parse_number, parse_phone_number
from upesi.excellent.env import Environment

from .support import run_case

RW = Environment(default_country="RW")


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("+250788123123", "", "+250788123123"),
        ("u812111005611", "ID", "+62812111005611"),
        ("oioas812111", "US", ""),
        ("+593979111111", "", "+593979111111"),
        ("0788123123", "", "+250788123123"),  # the environment's default country
        ("0788123123", "RW", "+250788123123"),
        ("+250788123123", "RW", "+250788123123"),
        ("+12065551212", "RW", "+12065551212"),
        ("12065551212", "US", "+12065551212"),
        ("206 555 1212", "US", "+12065551212"),
        ("5912705", "US", ""),
        ("+10001112222", "US", "+10001112222"),
        ("0815 1053 7962", "ID", "+6281510537962"),
        ("0954 1053 7962", "ID", "+6295410537962"),
        ("0811-1005-611", "ID", "+628111005611"),
        ("10000", "US", ""),
        ("12067799294", "BW", "+12067799294"),
        ("oui", "CD", ""),
        # the issue: a US number without its country code is not a phone for a Rwandan contact
        ("(206) 555-1212", "", ""),
        ("(206) 555-1212", "RW", ""),
        ("2065551212", "RW", ""),
    ],
)
def test_has_phone(number: str, country: str, expected: str) -> None:
    args = ["my number is " + number] + ([country] if country else [])
    passed, match = run_case("has_phone", *args, env=RW)
    if expected:
        assert passed and match == expected
    else:
        assert not passed


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("", "", ""),
        ("oui", "RW", ""),
        ("tel = +250788383383", "RW", ""),
        ("Hi my phone is (202) 456-1111 thanks", "US", ""),
        ("+810000000977123456", "CD", ""),
        ("+250788383383", "", "+250788383383"),
        ("0788 383 383", "RW", "+250788383383"),
        ("   (202) 456-1111   ", "US", "+12024561111"),
        ("202.456.1111", "US", "+12024561111"),
        ("202-456-1111", "US", "+12024561111"),
        ("0788383383", "", ""),
        ("(202) 456-1111", "", ""),
    ],
)
def test_parse_phone_number(text: str, country: str, expected: str) -> None:
    assert parse_phone_number(text, country) == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("tel = 0788383383", "RW", ["+250788383383"]),
        ("Hi my phone is (202) 456-1111 thanks", "US", ["+12024561111"]),
        ("Mine is (202) 456-1111, his is (202) 456-2222 thanks", "US", ["+12024561111", "+12024562222"]),
        ("Hi my phone is 0788383383 thanks", "", []),
        ("Hi my phone is +12024561111 thanks", "", ["+12024561111"]),
    ],
)
def test_find_phone_numbers(text: str, country: str, expected: list[str]) -> None:
    assert find_phone_numbers(text, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "short", "sender", "expected"),
    [
        ("+250 788 123-123", "", True, True, "+250788123123"),
        ("250788123123", "", True, True, "+250788123123"),
        (" 0788383383 ", "RW", True, True, "+250788383383"),
        ("+250788383383 ", "KE", True, True, "+250788383383"),
        ("(917)992-5253", "US", True, True, "+19179925253"),
        ("800-CABBAGE", "US", True, True, "+18002222243"),
        ("812111005611", "ID", True, True, "+62812111005611"),
        ("07531669965", "GB", True, True, "+447531669965"),
        ("254791541111", "US", True, True, "+254791541111"),
        ("123456", "US", True, False, "123456"),
        ("1234", "US", True, False, "1234"),
        ("1234", "US", False, False, None),
        ("1234", "", True, False, None),
        ("123", "RW", True, False, "123"),
        ("8080", "EC", True, False, "8080"),
        ("PRIZES", "RW", True, False, None),
        ("1", "RW", True, False, None),
        ("99", "EC", True, False, None),
        ("567-1234", "US", True, False, None),
        ("0788383383", "ZZ", True, False, None),
    ],
)
def test_parse_number(raw: str, country: str, short: bool, sender: bool, expected: str | None) -> None:
    assert parse_number(raw, country, short, sender) == expected
