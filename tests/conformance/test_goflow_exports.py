"""RapidPro definition exports: every valid export reads and its flows reach the current spec;
the invalid ones are refused with a clear message."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest
from goflow_support.outcome import check_case
from goflow_support.paths import EXPORTS, known_failures

from upesi.flows.definition import CURRENT_SPEC_VERSION, read_flow
from upesi.flows.exports import ExportError, read_export, read_export_text

INVALID = sorted((EXPORTS / "legacy" / "invalid").glob("*.json"))
NOT_JSON = {"migrate_to_9.json"}  # a fragment in RapidPro's test data, not an export
VALID = sorted(p for p in EXPORTS.rglob("*.json") if "invalid" not in p.parts and p.name not in NOT_JSON)
KNOWN = known_failures("exports")


def _rel(p: Path) -> str:
    return str(p.relative_to(EXPORTS))


def _check_valid(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    before = copy.deepcopy(raw)
    export = read_export(raw)
    assert raw == before, "reading must not modify the input"
    assert len(export.flows) == len(raw.get("flows") or [])
    for f in export.flows:
        assert f["spec_version"] == CURRENT_SPEC_VERSION
        read_flow(f)


@pytest.mark.conformance("rapidpro_exports (valid)")
@pytest.mark.parametrize("path", VALID, ids=[_rel(p) for p in VALID])
def test_valid_export_reads(path: Path) -> None:
    check_case(_rel(path), KNOWN, lambda: _check_valid(path))


@pytest.mark.conformance("rapidpro_exports (invalid refused)")
@pytest.mark.parametrize("path", INVALID, ids=[_rel(p) for p in INVALID])
def test_invalid_export_refused(path: Path) -> None:
    with pytest.raises(ExportError) as e:
        read_export(orjson.loads(path.read_bytes()))
    assert "not a RapidPro export" in str(e.value)


def test_fragment_refused_with_clear_message() -> None:
    with pytest.raises(ExportError, match="not valid JSON"):
        read_export_text((EXPORTS / "legacy" / "migrations" / "migrate_to_9.json").read_bytes())


def test_broken_flow_in_export_names_the_flow() -> None:
    export = orjson.loads((EXPORTS / "favorites.json").read_bytes())
    export["flows"][0]["nodes"][0]["exits"] = []
    with pytest.raises(ExportError, match="flow 'Favorites' is invalid"):
        read_export(export)
