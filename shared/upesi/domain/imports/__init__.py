"""Importing a RapidPro/TextIt definitions export into a workspace, as RapidPro's Org.import_app does:
fields, then groups, then flows (with every object they use), then campaigns and triggers. All in the
caller's transaction: a refused file (ImportRefused) leaves the workspace as it was, because the caller
rolls back. A preview runs the same import inside a savepoint and rolls it back, so what it reports is
exactly what the import would do.

    report = await import_definitions(session, org_id=org.id, export=doc, user_id=user.id)
    await session.commit()
    await queue_campaign_scheduling(org_id=org.id, event_ids=report.event_ids)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.ops.smart_groups import populate_group
from upesi.domain.imports.assets import FIELD_TYPES, Assets
from upesi.domain.imports.campaigns import import_campaigns
from upesi.domain.imports.flows import import_flows
from upesi.domain.imports.reading import clean_name, read_file
from upesi.domain.imports.report import ImportRefused, ImportReport
from upesi.domain.imports.triggers import import_triggers
from upesi.queues.redis import get_redis
from upesi.queues.tasks import ScheduleCampaignEvent, queue_tasks

__all__ = [
    "ImportRefused",
    "ImportReport",
    "import_definitions",
    "preview_import",
    "queue_campaign_scheduling",
]


async def import_definitions(
    session: AsyncSession, *, org_id: int, export: Any, user_id: int | None = None
) -> ImportReport:
    """Import the export; raises ImportRefused (the caller rolls back) naming the flow, node or object."""
    try:
        return await _import(session, org_id=org_id, export=export, user_id=user_id)
    except (KeyError, TypeError, AttributeError) as e:
        # a part of the file that is not of the shape an export has (a string where a reference should be):
        # refused with what we know, never an error page
        raise ImportRefused(f"this export is malformed ({type(e).__name__}: {e})") from e


async def _import(session: AsyncSession, *, org_id: int, export: Any, user_id: int | None) -> ImportReport:
    read = read_file(export)
    report = ImportReport(warnings=list(read.warnings))
    assets = await Assets.load(session, org_id=org_id, report=report)
    mapping: dict[str, str] = {}  # file UUID -> workspace UUID, wherever they differ

    for f in read.export.fields:
        key, ftype = f.get("key"), f.get("type") or "text"
        if not key:
            raise ImportRefused(f"field '{f.get('name', '')}': has no key")
        if ftype not in FIELD_TYPES and ftype not in FIELD_TYPES.values():
            raise ImportRefused(f"field '{key}': '{ftype}' is not a field type")
        await assets.field(session, key, f.get("name") or f.get("label"), FIELD_TYPES.get(ftype, ftype))
    for g in read.export.groups:
        group = await assets.group(
            session, g.get("uuid"), clean_name(str(g.get("name") or "")), g.get("query")
        )
        if g.get("uuid") and str(group.uuid) != g["uuid"]:
            mapping[g["uuid"]] = str(group.uuid)
    await session.flush()

    await import_flows(
        session, org_id=org_id, definitions=read.export.flows, assets=assets, mapping=mapping,
        report=report, user_id=user_id,
    )  # fmt: skip
    await session.flush()
    await import_campaigns(
        session, org_id=org_id, campaigns=read.export.campaigns, assets=assets, mapping=mapping,
        user_id=user_id, report=report,
    )  # fmt: skip
    await import_triggers(
        session, org_id=org_id, triggers=read.export.triggers, assets=assets, mapping=mapping, report=report
    )
    await session.flush()
    for group in assets.new_smart_groups:
        # RapidPro creates the group and leaves its evaluation to mailroom, where a query the workspace's
        # fields can't answer fails; we evaluate now and mark such a group invalid, with a warning
        try:
            async with session.begin_nested():
                await populate_group(session, group.id)
        except ValueError as e:
            group.status = "V"
            report.warnings.append(f"group '{group.name}': query '{group.query}' can't be evaluated: {e}")
    await session.flush()
    return report


async def preview_import(
    session: AsyncSession, *, org_id: int, export: Any, user_id: int | None = None
) -> ImportReport:
    """What import_definitions would do, with nothing written: the same import in a savepoint, rolled back."""
    savepoint = await session.begin_nested()
    try:
        report = await import_definitions(session, org_id=org_id, export=export, user_id=user_id)
    finally:
        await savepoint.rollback()
    report.dry_run = True
    report.event_ids = []
    return report


async def queue_campaign_scheduling(*, org_id: int, event_ids: list[int]) -> None:
    """After the import is committed: mailroom (re)computes the fires of the campaign events it created and
    drops those of the events it released, as the campaign events API asks (schedule_campaign_event)."""
    if event_ids:
        tasks = [ScheduleCampaignEvent(event_id=event_id) for event_id in event_ids]
        await queue_tasks(get_redis(), org_id, tasks)
