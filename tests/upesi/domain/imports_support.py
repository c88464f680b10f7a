"""Helpers for the import tests: workspaces, imports in their own transaction, and counts of what a
workspace holds per object kind."""

from __future__ import annotations

import copy
import uuid as uuidlib
from typing import Any

from sqlalchemy import text

from tests.support.shared import CONFORMANCE
from upesi.db.engine import transaction
from upesi.db.ops.orgs import create_workspace
from upesi.domain.imports import ImportReport, import_definitions

EXPORTS = CONFORMANCE / "rapidpro_exports"


async def workspace(name: str = "Importer") -> int:
    async with transaction() as s:
        ws = await create_workspace(s, name, f"{uuidlib.uuid4().hex[:8]}@example.com", "pw")
        return ws.org.id


async def do_import(org_id: int, export: dict[str, Any]) -> ImportReport:
    async with transaction() as s:
        return await import_definitions(s, org_id=org_id, export=copy.deepcopy(export))


COUNTS = {
    "flows": "SELECT count(*) FROM flows WHERE org_id = :o AND is_active AND NOT is_system",
    "campaigns": "SELECT count(*) FROM campaigns WHERE org_id = :o AND is_active",
    "events": "SELECT count(*) FROM campaign_events WHERE org_id = :o AND is_active",
    "triggers": "SELECT count(*) FROM triggers WHERE org_id = :o AND is_active AND NOT is_archived",
    "all_triggers": "SELECT count(*) FROM triggers WHERE org_id = :o",
    "fields": "SELECT count(*) FROM contact_fields WHERE org_id = :o AND NOT is_system",
    "groups": "SELECT count(*) FROM contact_groups WHERE org_id = :o",
    "labels": "SELECT count(*) FROM labels WHERE org_id = :o",
    "topics": "SELECT count(*) FROM topics WHERE org_id = :o",
    "globals": "SELECT count(*) FROM globals WHERE org_id = :o",
    "resthooks": "SELECT count(*) FROM resthooks WHERE org_id = :o",
}


async def counts(org_id: int) -> dict[str, int]:
    async with transaction() as s:
        return {k: (await s.execute(text(q), {"o": org_id})).scalar_one() for k, q in COUNTS.items()}


async def rows(sql: str, **params: Any) -> list[Any]:
    async with transaction() as s:
        return list((await s.execute(text(sql), params)).all())
