"""Every RapidPro export in the conformance corpus imports (flows migrated to the current spec, with their
fields, groups and triggers); the invalid ones are refused with a clear message and change nothing."""

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.support.processes import UPESI
from tests.support.shared import CONFORMANCE
from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRevision, Trigger
from upesi.db.ops.imports import ImportError_, import_export
from upesi.db.ops.orgs import create_workspace
from upesi.flows.definition import read_flow

EXPORTS = CONFORMANCE / "rapidpro_exports"
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


@pytest.mark.parametrize("path", VALID_FILES, ids=_id)
async def test_export_imports_and_every_flow_is_current_and_valid(db: None, path: Path) -> None:
    export = json.loads(path.read_text())
    async with transaction() as s:
        ws = await create_workspace(s, "Importer", "i@example.com", "pw")
    async with transaction() as s:
        summary = await import_export(s, ws.org.id, export)
    async with transaction() as s:
        definitions = (
            (await s.execute(select(FlowRevision.definition).join(Flow).where(Flow.org_id == ws.org.id)))
            .scalars()
            .all()
        )
        triggers = (
            await s.execute(select(func.count()).select_from(Trigger).where(Trigger.org_id == ws.org.id))
        ).scalar()
    assert len(definitions) == len(summary.flows) > 0 or not export.get("flows")
    for d in definitions:
        assert d["spec_version"] == "14.4.2"
        read_flow(d)  # what we stored, the engine can run
    expected_triggers = [
        t
        for t in export.get("triggers") or []
        if (t.get("flow") or {}).get("uuid") in {f["uuid"] for f in summary.flows}
    ]
    assert triggers == len(expected_triggers)


@pytest.mark.parametrize("path", INVALID_FILES, ids=_id)
async def test_invalid_export_is_refused_and_changes_nothing(db: None, path: Path) -> None:
    async with transaction() as s:
        ws = await create_workspace(s, "Importer", "i@example.com", "pw")
    with pytest.raises(ImportError_) as refused:
        async with transaction() as s:
            await import_export(s, ws.org.id, json.loads(path.read_text()))
    assert str(refused.value)  # a message a person can act on
    async with transaction() as s:
        counts = (
            await s.execute(
                text(
                    "SELECT (SELECT count(*) FROM flows), (SELECT count(*) FROM contact_fields), (SELECT count(*) FROM contact_groups WHERE NOT is_system), (SELECT count(*) FROM triggers)"
                )
            )
        ).one()
    assert tuple(counts) == (0, 0, 0, 0)  # (the workspace's own Open Tickets group is not the import's)


def test_upesi_import_command(env: dict[str, str]) -> None:
    subprocess.run(
        [UPESI, "create-workspace", "Clinic", "--email", "c@example.com", "--password", "pw"],
        check=True,
        capture_output=True,
    )
    ok = subprocess.run(
        [UPESI, "import", str(EXPORTS / "the_clinic.json"), "--workspace", "Clinic"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("imported ") and "trigger(s)" in ok.stdout
    for refused in [INVALID_FILES[0], *FRAGMENTS]:
        bad = subprocess.run(
            [UPESI, "import", str(refused), "--workspace", "Clinic"], capture_output=True, text=True
        )
        assert bad.returncode == 2 and refused.name in bad.stderr, bad.stderr
