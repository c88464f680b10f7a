"""The one URN module: phone numbers as gocommon's urns.ParseNumber (goflow, courier) and RapidPro's
URN.normalize_number; the engine and the services normalise the same way."""

import pytest

from upesi.urns import SCHEMES, URNError, normalize_urn, parse_number, parse_urn

# gocommon urns/phone_test.go TestParsePhone (allowShort, no sender ids): input, country, expected or error
PARSE_NUMBER = [
    ("+250788123123", "", "+250788123123"),
    ("+250 788 123-123", "", "+250788123123"),
    ("250788123123", "", "+250788123123"),  # long enough to try with a +
    (" 0788383383 ", "RW", "+250788383383"),
    ("+250788383383 ", "RW", "+250788383383"),
    ("250788383383 ", "RW", "+250788383383"),
    ("+250788383383 ", "KE", "+250788383383"),
    ("(917)992-5253", "US", "+19179925253"),
    ("800-CABBAGE", "US", "+18002222243"),
    ("+62877747666", "ID", "+62877747666"),
    ("812111005611", "ID", "+62812111005611"),
    ("0877747666", "ID", "+62877747666"),
    ("07531669965", "GB", "+447531669965"),
    ("263780821000", "ZW", "+263780821000"),
    ("254791541111", "US", "+254791541111"),
    ("123456", "US", "123456"),
    ("12345", "US", "12345"),
    ("1234", "US", "1234"),
    ("123", "RW", "123"),
    ("8080", "EC", "8080"),
    ("1234", "", None),  # a short code needs a country
    ("PRIZES", "RW", None),
    ("1", "RW", None),
    ("99", "EC", None),
    ("567-1234", "US", None),  # only dialable locally
    ("0788383383", "ZZ", None),  # invalid country code
]


@pytest.mark.parametrize(("raw", "country", "expected"), PARSE_NUMBER)
def test_parse_number(raw: str, country: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(URNError):
            parse_number(raw, country)
    else:
        assert parse_number(raw, country) == expected


@pytest.mark.parametrize(
    ("scheme", "path", "country", "expected"),
    [
        ("tel", "250788383383", "", "tel:+250788383383"),  # the two modules used to disagree here
        ("tel", "0788383383", "RW", "tel:+250788383383"),
        ("tel", "0788383383", "", "tel:0788383383"),  # not a number without a country: kept as given
        ("tel", "2020", "", "tel:2020"),
        ("tel", "+1 (202) 555-0143", "", "tel:+12025550143"),
        ("whatsapp", "+250788383383", "", "whatsapp:250788383383"),
        ("whatsapp", "us.13491208655302741918", "", "whatsapp:US.13491208655302741918"),
        ("mailto", "Bob@Example.COM", "", "mailto:bob@example.com"),
        ("twitter", "@NyaRuka", "", "twitter:nyaruka"),
        ("telegram", "12345", "", "telegram:12345"),
    ],
)
def test_engine_and_services_normalise_alike(scheme: str, path: str, country: str, expected: str) -> None:
    assert normalize_urn(scheme, path, country) == expected
    assert parse_urn(f"{scheme}:{path}", country or None).identity == expected


def test_parse_urn_parts_and_errors() -> None:
    urn = parse_urn("telegram:12345?id=7#Bob")
    assert (urn.scheme, urn.path, urn.query, urn.display, str(urn)) == (
        "telegram",
        "12345",
        "id=7",
        "Bob",
        "telegram:12345?id=7#Bob",
    )
    for bad, error in [
        ("12345", "expected scheme:path"),
        ("email:a@b.c", "unknown scheme 'email'"),
        ("tel:", "empty path"),
    ]:
        with pytest.raises(URNError, match=error):
            parse_urn(bad)


def test_one_scheme_list_as_goflow_and_rapidpro() -> None:
    assert len(SCHEMES) == 20 and "bsuid" in SCHEMES and "email" not in SCHEMES and "discord" not in SCHEMES
