"""The country the engine derives from a contact's phone number, as goflow does (phonenumbers' region)."""

from __future__ import annotations

import pytest

from upesi.flows.envmerge import region_of_number


@pytest.mark.parametrize(
    ("number", "region"),
    [("+12022000001", "US"), ("+14165550123", "CA"), ("+18762345678", "JM"), ("+250788123456", "RW")],
)
def test_known_regions(number: str, region: str) -> None:
    assert region_of_number(number) == region


def test_no_region_for_unknown_or_invalid_numbers() -> None:
    assert region_of_number("+999123456") == ""
    assert region_of_number("+12") == ""
