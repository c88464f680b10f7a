"""In-memory evaluation on hand-built contacts: sparse dictionaries (a contact being created has no
groups, URNs or fields yet) and stored values of unexpected types must not crash or match wrongly."""

from datetime import UTC, datetime

import pytest

from tests.upesi.contactql.test_parse import RESOLVER
from upesi.contactql import ContactData, matches, parse_query

AGE, DOB, STATE = (RESOLVER.field(k).uuid for k in ("age", "dob", "state"))  # type: ignore[union-attr]

SPARSE: ContactData = {"id": 7, "uuid": "0b1c9a39-4d6c-4c1d-9bd8-47c8f56ff3c4", "name": "Ann"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ann", True), ('age = ""', True), ("age != 5", True), ("age > 5", False), ('tel = ""', True),
     ("tel ~ 123", False), ("group != testers", True), ('flow = ""', True), ("history != survey", True),
     ("status = active", True), ('last_seen_on = ""', True), ("id = 7", True), ("uuid = 0B1C9A39-4D6C-4C1D-9BD8-47C8F56FF3C4", True)],
)  # fmt: skip
def test_sparse_contact(query: str, expected: bool) -> None:
    assert matches(parse_query(query, RESOLVER), SPARSE) is expected


ODD_VALUES: list[tuple[dict, str, bool]] = [
    ({AGE: {"number": True}}, 'age = ""', True),  # a boolean is not a number
    ({AGE: {"number": "12"}}, "age = 12", True),
    ({AGE: {"number": "twelve"}}, 'age != ""', False),
    ({AGE: {"number": 1e2}}, "age = 100", True),
    ({AGE: None}, 'age = ""', True),
    ({DOB: {"datetime": "2020-01-27T22:30:00Z"}}, "dob = 28-01-2020", True),  # Kigali is UTC+2
    ({DOB: {"datetime": 1580164200}}, 'dob = ""', True),
    ({STATE: {"state": "Rwanda > Kigali City"}}, 'state = "KIGALI CITY"', True),
    ({STATE: {"state": ""}}, 'state = ""', True),
]


@pytest.mark.parametrize(("stored", "query", "expected"), ODD_VALUES)
def test_stored_values_of_odd_types(stored: dict, query: str, expected: bool) -> None:
    contact: ContactData = {"id": 1, "fields": stored, "created_on": datetime(2020, 1, 1, tzinfo=UTC)}
    assert matches(parse_query(query, RESOLVER), contact) is expected


def test_deleted_contacts_never_match() -> None:
    assert matches(parse_query("", RESOLVER), {"id": 1, "is_active": False}) is False
    assert matches(parse_query("", RESOLVER), {"id": 1}) is True
