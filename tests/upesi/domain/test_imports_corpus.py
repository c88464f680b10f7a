"""Every RapidPro export in the conformance corpus imports into two workspaces in a row and a third time
into the first: each object kind of the file is there, counted against the file, with no duplicates and
nothing dropped; the second workspace gets its own UUIDs. Invalid exports are refused and change nothing.
The `upesi import` command is tested in tests/cli/test_import.py."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.upesi.domain.imports_support import EXPORTS, counts, do_import, rows, workspace
from upesi.db.engine import transaction
from upesi.domain.imports import ImportRefused, import_definitions
from upesi.domain.imports.triggers import SKIPPED
from upesi.flows.definition import read_flow

INVALID = EXPORTS / "legacy" / "invalid"


def _parses(path: Path) -> bool:
    try:
        json.loads(path.read_text())
        return True
    except ValueError:
        return False


ALL_FILES = sorted(p for p in EXPORTS.rglob("*.json") if INVALID not in p.parents)
VALID_FILES = [p for p in ALL_FILES if _parses(p)]
FRAGMENTS = [p for p in ALL_FILES if not _parses(p)]  # not JSON documents at all: refused by the command
INVALID_FILES = sorted(INVALID.glob("*.json"))


def _id(path: Path) -> str:
    return str(path.relative_to(EXPORTS))


def _expected(export: dict[str, Any]) -> dict[str, int]:
    triggers = [t for t in export.get("triggers") or [] if t.get("trigger_type") not in SKIPPED]
    distinct = {
        (t["trigger_type"], tuple(sorted(t.get("keywords") or [t.get("keyword") or ""])),
         tuple(sorted(g.get("name", "") for g in t.get("groups") or [])))
        for t in triggers
    }  # fmt: skip
    return {
        "flows": len(export.get("flows") or []),
        "campaigns": len(export.get("campaigns") or []),
        "events": sum(len(c.get("events") or []) for c in export.get("campaigns") or []),
        "triggers": len(distinct),  # triggers of the same type, keywords and groups replace one another
    }


@pytest.mark.parametrize("path", VALID_FILES, ids=_id)
async def test_export_imports_into_two_workspaces_then_again_into_the_first(db: None, path: Path) -> None:
    export = json.loads(path.read_text())
    first, second = await workspace("First"), await workspace("Second")
    baseline = await counts(first)
    expected = _expected(export)

    for org_id in (first, second, first):
        report = await do_import(org_id, export)
        got = await counts(org_id)
        for kind, n in expected.items():
            assert got[kind] - baseline.get(kind, 0) == n, (kind, got, report.lines())
        assert len(report.flows) == expected["flows"]
    # the third import changed nothing but what it replaced: no more rows of any kind than after the first
    assert await counts(first) == await counts(second)

    # what the file names is in both workspaces: fields by key, groups by name
    for org_id in (first, second):
        keys = {r[0] for r in await rows("SELECT key FROM contact_fields WHERE org_id = :o", o=org_id)}
        assert {f["key"] for f in export.get("fields") or []} <= keys
        names = {
            r[0].lower() for r in await rows("SELECT name FROM contact_groups WHERE org_id = :o", o=org_id)
        }
        assert {g["name"].lower()[:64] for g in export.get("groups") or []} <= names
        for (definition,) in await rows(
            "SELECT r.definition FROM flow_revisions r JOIN flows f ON f.id = r.flow_id WHERE f.org_id = :o",
            o=org_id,
        ):
            read_flow(definition)  # what we stored, the engine can run

    # the second workspace's copies have UUIDs of their own
    flows = {
        o: {r[0] for r in await rows("SELECT uuid::text FROM flows WHERE org_id = :o", o=o)}
        for o in (first, second)
    }
    assert not flows[first] & flows[second]


@pytest.mark.parametrize("path", INVALID_FILES, ids=_id)
async def test_invalid_export_is_refused_and_changes_nothing(db: None, path: Path) -> None:
    org_id = await workspace()
    before = await counts(org_id)
    with pytest.raises(ImportRefused) as refused:
        async with transaction() as s:
            await import_definitions(s, org_id=org_id, export=json.loads(path.read_text()))
    assert str(refused.value)  # a message a person can act on
    assert await counts(org_id) == before
