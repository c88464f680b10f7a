"""goflow extra/migrations: each version's migration step, original -> migrated."""

from __future__ import annotations

import re
from typing import Any

import pytest
from goflow_support.normalize import diff
from goflow_support.outcome import check_case
from goflow_support.paths import GOFLOW, known_failures, load_json

from upesi.flows.migrations import run_migrations

DIR = GOFLOW / "extra" / "migrations"
CASES = [(p.stem, i) for p in sorted(DIR.glob("*.json")) for i in range(len(load_json(p)))]
KNOWN = known_failures("migrations")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _new_uuids_normalized(v: Any, known: set[str]) -> Any:
    """UUIDs a migration generates are random: replace those not in the original with a placeholder."""
    if isinstance(v, dict):
        return {
            (
                k if (k not in known and not _UUID_RE.match(k)) or k in known else "<new>"
            ): _new_uuids_normalized(x, known)
            for k, x in v.items()
        }
    if isinstance(v, list):
        return [_new_uuids_normalized(i, known) for i in v]
    if isinstance(v, str) and _UUID_RE.match(v) and v not in known:
        return "<new>"
    return v


def _all_strings(v: Any, out: set[str]) -> set[str]:
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(k)
            _all_strings(x, out)
    elif isinstance(v, list):
        for i in v:
            _all_strings(i, out)
    elif isinstance(v, str):
        out.add(v)
    return out


def _check(version: str, idx: int) -> None:
    case = load_json(DIR / f"{version}.json")[idx]
    original = case["original"]
    current = tuple(int(p) for p in original["spec_version"].split("."))
    import copy

    got = run_migrations(copy.deepcopy(original), current, tuple(int(p) for p in version.split(".")))
    known = _all_strings(original, set())
    problems = diff(_new_uuids_normalized(got, known), _new_uuids_normalized(case["migrated"], known))
    assert not problems, "\n".join(problems[:20])


@pytest.mark.conformance("goflow/extra/migrations")
@pytest.mark.parametrize(("version", "idx"), CASES, ids=[f"{v}-{i}" for v, i in CASES])
def test_migration(version: str, idx: int) -> None:
    check_case(f"{version}-{idx}", KNOWN, lambda: _check(version, idx))
