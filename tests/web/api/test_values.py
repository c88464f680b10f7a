"""Table-driven checks of the value formats every endpoint shares."""

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import pytest

from upesi.domain.contact_fields import make_key
from web.api.v2.field_values import format_number, parse_value, serialize_value
from web.api.v2.runs import result_time
from web.api.v2.values import fmt_dt, parse_bool, parse_dt


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (1, True), ("1", True), ("true", True), ("True", True), (0, False), ("0", False),
     ("false", False), ("maybe", None), (2, None), (None, None)],
)  # fmt: skip
def test_parse_bool(raw: object, expected: bool | None) -> None:
    assert parse_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-02T03:04:05.678901Z", datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        ("2026-01-02", datetime(2026, 1, 2, tzinfo=UTC)),
        ("2026-01-02T05:04:05 02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),  # '+' decoded to a space
        ("yesterday", None),
    ],
)
def test_parse_dt(raw: str, expected: datetime | None) -> None:
    assert parse_dt(raw) == expected


def test_fmt_dt() -> None:
    assert fmt_dt(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    assert fmt_dt(None) is None


def test_fmt_dt_answers_what_strftime_did() -> None:
    """fmt_dt builds the string from isoformat (cheaper); it must equal the strftime it replaced for any aware
    datetime: other zones, whole seconds, the years strftime does not pad."""
    rng = random.Random(21)
    zones = [UTC, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30)),
             ZoneInfo("Africa/Kigali"), ZoneInfo("America/New_York")]  # fmt: skip
    values = [datetime(1, 1, 2, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
              datetime(1000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 12, tzinfo=UTC)]  # fmt: skip
    for _ in range(5000):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 4e9))
        moment = moment.replace(microsecond=rng.choice([0, moment.microsecond]))
        values.append(moment.astimezone(rng.choice(zones)))
    for value in values:
        assert fmt_dt(value) == value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), value


@pytest.mark.parametrize(
    ("value_type", "raw", "stored", "shown"),
    [
        ("T", "Kigali", {"text": "Kigali"}, "Kigali"),
        ("N", "12.50", {"text": "12.50", "number": 12.5}, "12.5"),
        ("N", "1,000", {"text": "1,000", "number": 1000}, "1000"),
        ("N", "lots", {"text": "lots"}, "lots"),
        (
            "D",
            "2026-03-04",
            {"text": "2026-03-04", "datetime": "2026-03-04T00:00:00.000000Z"},
            "2026-03-04T00:00:00.000000Z",
        ),
        ("S", "Kigali City", {"text": "Kigali City", "state": "Kigali City"}, "Kigali City"),
        ("T", "", None, None),
        ("T", None, None, None),
    ],
)
def test_field_values(value_type: str, raw: object, stored: dict | None, shown: str | None) -> None:
    assert parse_value(value_type, raw) == stored
    assert serialize_value(value_type, stored) == shown


def test_location_paths_show_their_name() -> None:
    assert serialize_value("I", {"text": "x", "district": "Rwanda > Kigali City > Gasabo"}) == "Gasabo"


@pytest.mark.parametrize(
    ("name", "key"),
    [("Date Of Birth", "date_of_birth"), ("  CHT url ", "cht_url"), ("Age (years)", "age_years")],
)
def test_make_key(name: str, key: str) -> None:
    assert make_key(name) == key


def test_format_number_of_whole_numbers_is_what_decimal_gave() -> None:
    """format_number shows an int without Decimal; the answer must be Decimal's."""
    rng = random.Random(7)
    whole = [
        0,
        -0,
        1,
        -1,
        10,
        100,
        10**21,
        -(10**30),
        2**63,
        10**28 - 1,
        10**28,
        -(10**28) + 1,
        1234567890123456789012345678901234567890,
    ]
    whole += [rng.randint(-(10**25), 10**25) for _ in range(5000)] + [
        rng.randint(-1000, 1000) for _ in range(2000)
    ]
    for value in whole:
        assert format_number(value) == format(Decimal(str(value)).normalize(), "f"), value
    with pytest.raises(
        InvalidOperation
    ):  # a JSON true stored as a number still fails as it did (shown as text)
        format_number(True)


def test_result_time_reads_what_parse_dt_read() -> None:
    """run values read the engine's times with the standard library; the instant must be dateutil's."""
    rng = random.Random(11)
    texts = ["2026-03-01T24:00:00Z", "2026-03-01T23:59:60Z", "2026-02-30T10:00:00Z", "2026-03-01T10:00:00+14:00",
             "2026-03-01T10:00:00.1234567890Z", "2026-03-01T10:00:00-00:00", "2026-03-01T10:00:00+23:59",
             "2026-03-01 10:00:00Z", "2026-03-01T10:00Z", "2026-03-01", "0001-01-01T00:00:00Z", "x"]  # fmt: skip
    for _ in range(5000):
        moment = datetime(1990, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 2e9))
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        digits = rng.choice([0, 1, 3, 6, 9])
        if digits:
            text += "." + "".join(rng.choice("0123456789") for _ in range(digits))
        text += rng.choice(["Z", "+02:00", "-05:30", "+00:00", "+13:45"])
        texts.append(text)
    for text in texts:
        assert result_time(text) == parse_dt(text), text
