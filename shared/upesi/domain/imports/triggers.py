"""Triggers of an export, as RapidPro's Trigger.import_def: an identical trigger (same type, channel,
groups, keywords, flow and excluded groups) is kept (restored if archived); any other is created and the
active triggers it conflicts with are archived. Scheduled triggers (exported without their schedule) and
the removed opt-in/opt-out types are skipped, as RapidPro skips them, and the report says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel, Flow, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from upesi.db.scoping import in_workspace
from upesi.domain.imports.assets import Assets
from upesi.domain.imports.report import ImportRefused, ImportReport
from upesi.domain.imports.uuids import is_uuid, new_uuid
from upesi.domain.triggers import find_conflicts

# every trigger type an export may carry: imported, or skipped with RapidPro's reason
IMPORTED = {"K": "keyword", "C": "catch-all", "M": "missed call", "N": "new conversation", "R": "referral",
            "V": "inbound call", "T": "closed ticket"}  # fmt: skip
SKIPPED = {
    "S": "scheduled triggers are exported without their schedule, so RapidPro skips them too",
    "I": "opt-in triggers no longer exist in RapidPro, which skips them",
    "O": "opt-out triggers no longer exist in RapidPro, which skips them",
}
CHANNEL_TYPES = {"K", "C", "N", "R", "V"}  # types that export (and import) their channel
KEYWORD_LEN = 16


async def import_triggers(
    session: AsyncSession, *, org_id: int, triggers: list[dict[str, Any]], assets: Assets,
    mapping: dict[str, str], report: ImportReport,
) -> None:  # fmt: skip
    flows = {
        str(f.uuid): f
        for f in (
            await session.execute(select(Flow).where(in_workspace(Flow, org_id), Flow.is_active))
        ).scalars()
    }
    for t in triggers:
        ttype = t.get("trigger_type") or ""
        ref = t.get("flow") or {}
        where = f"{IMPORTED.get(ttype, ttype)} trigger for flow '{ref.get('name', '')}'"
        if ttype in SKIPPED:
            report.skipped.append(f"{where}: {SKIPPED[ttype]}")
            continue
        if ttype not in IMPORTED:
            raise ImportRefused(f"trigger: '{ttype}' is not a valid trigger type")
        flow = flows.get(mapping.get(ref.get("uuid") or "", ref.get("uuid") or ""))
        if flow is None:
            raise ImportRefused(f"{where}: that flow is neither in this file nor in the workspace")
        keywords = t.get("keywords") or ([t["keyword"]] if t.get("keyword") else [])
        keywords = [str(k).strip().lower() for k in keywords if str(k).strip()]
        if ttype == "K" and not keywords:
            raise ImportRefused(f"{where}: field 'keywords' is required")
        if ttype != "K":
            keywords = []
        too_long = [k for k in keywords if len(k) > KEYWORD_LEN]
        if too_long:
            raise ImportRefused(f"{where}: keyword '{too_long[0]}' is longer than {KEYWORD_LEN} characters")
        match_type = (t.get("match_type") or "F") if ttype == "K" else None
        groups = {
            (await _group(session, g, assets, mapping)) for g in t.get("groups") or [] if isinstance(g, dict)
        }
        excludes = {
            (await _group(session, g, assets, mapping))
            for g in t.get("exclude_groups") or []
            if isinstance(g, dict)
        }
        channel_id = (
            await _channel(session, org_id, t.get("channel"), where, report)
            if ttype in CHANNEL_TYPES
            else None
        )

        # RapidPro's import_def: the conflicts, archived ones too; the newest for the same flow is an exact
        # match unless its excluded groups differ
        conflicts = await find_conflicts(
            session, org_id=org_id, trigger_type=ttype, channel_id=channel_id, group_ids=sorted(groups),
            keywords=keywords, include_archived=True,
        )  # fmt: skip
        exact = max(
            (x for x in conflicts if x.flow_id == flow.id), key=lambda x: (x.created_on, x.id), default=None
        )
        if exact is not None and await _excluded_groups(session, exact.id) != excludes:
            exact = None
        label = f"{IMPORTED[ttype]} {','.join(keywords)} → {flow.name}".replace("  ", " ")
        if exact is not None:
            if exact.is_archived:
                exact.is_archived = False  # restored, and (as Trigger.restore) its active conflicts archived
                report.update("triggers", f"{label} (restored)")
                _archive(conflicts, keep=exact, report=report)
            else:
                report.update("triggers", f"{label} (unchanged)")
            continue
        trigger = Trigger(
            uuid=new_uuid(), org_id=org_id, trigger_type=ttype, keywords=keywords, match_type=match_type,
            flow_id=flow.id, channel_id=channel_id,
        )  # fmt: skip
        session.add(trigger)
        await session.flush()
        for table, ids in ((trigger_groups, groups), (trigger_exclude_groups, excludes)):
            if ids:
                await session.execute(
                    insert(table), [{"trigger_id": trigger.id, "group_id": g} for g in sorted(ids)]
                )
        _archive(conflicts, keep=trigger, report=report)  # as Trigger.create archives its conflicts
        await session.flush()
        report.create("triggers", label)


def _archive(conflicts: list[Trigger], *, keep: Trigger, report: ImportReport) -> None:
    for x in conflicts:
        if x is not keep and not x.is_archived:
            x.is_archived = True
            report.archived.append(f"{x.trigger_type} {','.join(x.keywords or [])} (replaced by the import)")


async def _excluded_groups(session: AsyncSession, trigger_id: int) -> set[int]:
    rows = await session.execute(
        select(trigger_exclude_groups.c.group_id).where(trigger_exclude_groups.c.trigger_id == trigger_id)
    )
    return set(rows.scalars())


async def _group(session: AsyncSession, ref: dict[str, Any], assets: Assets, mapping: dict[str, str]) -> int:
    uuid = ref.get("uuid")
    group = await assets.group(session, mapping.get(uuid or "", uuid), ref.get("name"))
    await session.flush()
    return group.id


async def _channel(
    session: AsyncSession, org_id: int, ref: Any, where: str, report: ImportReport
) -> int | None:
    if isinstance(ref, str):
        ref = {"uuid": ref, "name": ""}
    if not isinstance(ref, dict) or not ref.get("uuid"):
        return None
    if not is_uuid(ref["uuid"]):
        report.warnings.append(
            f"{where}: channel '{ref['uuid']}' is not a UUID; the trigger applies to every channel"
        )
        return None
    found = (
        await session.execute(
            select(Channel.id).where(
                in_workspace(Channel, org_id), Channel.uuid == ref["uuid"], Channel.is_active
            )
        )
    ).scalar()
    if found is None:
        report.warnings.append(
            f"{where}: channel '{ref.get('name') or ref['uuid']}' is not in this workspace, so the trigger "
            "applies to every channel"
        )
    return found
