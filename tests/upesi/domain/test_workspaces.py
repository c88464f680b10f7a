"""Workspace settings: each rule once, as a table of cases."""

import pytest

from upesi.domain.errors import DomainError
from upesi.domain.workspaces import WorkspaceSettings, validate

GOOD = WorkspaceSettings("Nyaruka", "Africa/Kigali", "RW", "D", ["eng", "kin"])

CASES = [
    # (change, field in error or None, what the cleaned settings hold)
    ({}, None, GOOD),
    ({"name": "  Padded  "}, None, WorkspaceSettings("Padded", "Africa/Kigali", "RW", "D", ["eng", "kin"])),
    ({"name": "   "}, "name", None),
    ({"name": "x" * 129}, "name", None),
    ({"timezone": "Mars/Olympus"}, "timezone", None),
    ({"country": "rw"}, None, GOOD),
    ({"country": ""}, None, WorkspaceSettings("Nyaruka", "Africa/Kigali", None, "D", ["eng", "kin"])),
    ({"country": "XX"}, "country", None),
    ({"date_format": "Q"}, "date_format", None),
    ({"languages": ["ENG", "kin", "eng", ""]}, None, GOOD),  # lower-cased, duplicates and blanks dropped
    ({"languages": ["eng", "xyz"]}, "languages", None),
    ({"languages": []}, "languages", None),
    (
        {"languages": ["eng", "fra", "kin", "swa", "spa", "por", "ara", "amh", "hau", "yor", "ibo"]},
        "languages",
        None,
    ),
]


@pytest.mark.parametrize(("change", "field", "expected"), CASES)
def test_validate(change: dict, field: str | None, expected: WorkspaceSettings | None) -> None:
    settings = WorkspaceSettings(**{**GOOD.__dict__, **change})
    if field is None:
        assert validate(settings) == expected
    else:
        with pytest.raises(DomainError) as raised:
            validate(settings)
        assert raised.value.field == field
