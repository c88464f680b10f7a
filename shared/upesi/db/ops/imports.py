"""Importing a RapidPro definitions export ({version, site, flows, campaigns, triggers, fields, groups}):
flows migrated to the current spec, and the fields, groups and triggers they come with. Everything goes
in one transaction: an export that fails validation changes nothing."""

import re
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import ContactField, ContactGroup, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from upesi.db.ops.flows import save_flow
from upesi.db.scoping import in_workspace

FIELD_TYPE_CODES = {
    "text": "T", "number": "N", "numeric": "N", "datetime": "D", "state": "S", "district": "I", "ward": "W",
    "T": "T", "N": "N", "D": "D", "S": "S", "I": "I", "W": "W",
}  # fmt: skip


class ImportError_(ValueError):
    """An export we refuse, with the reason."""


@dataclass
class ImportSummary:
    flows: list[dict[str, str]] = field(default_factory=list)
    fields: int = 0
    groups: int = 0
    triggers: int = 0
    skipped: list[str] = field(default_factory=list)


def _slug_key(label: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    return key[:36] or "field"


async def import_export(
    session: AsyncSession, org_id: int, export: dict[str, Any], user_id: int | None = None
) -> ImportSummary:
    from upesi.flows.exports import read_export

    try:
        parsed = read_export(export)
    except ValueError as e:
        raise ImportError_(str(e)) from e
    summary = ImportSummary()
    group_uuids = await _import_groups(session, org_id, parsed.groups, parsed.flows, summary)
    await _import_fields(session, org_id, parsed.fields, parsed.flows, summary)
    flow_ids: dict[str, int] = {}
    for definition in parsed.flows:
        definition = _remap_uuids(definition, group_uuids)
        flow = await save_flow(session, org_id, definition, user_id=user_id)
        flow_ids[flow.uuid] = flow.id
        summary.flows.append({"uuid": flow.uuid, "name": flow.name})
    await _import_triggers(session, org_id, parsed.triggers, flow_ids, group_uuids, summary)
    if parsed.campaigns:
        summary.skipped.append(f"{len(parsed.campaigns)} campaign(s): campaigns are not imported yet")
    return summary


async def _import_groups(
    session: AsyncSession, org_id: int, groups: list[dict], flows: list[dict], summary: ImportSummary
) -> dict[str, str]:
    """Groups matched by name to existing ones (their UUIDs then remapped in flows), else created."""
    wanted = {g["uuid"]: g for g in groups}
    for flow in flows:
        for ref in _group_refs(flow):
            wanted.setdefault(ref["uuid"], ref)
    existing = {
        g.name.lower(): g
        for g in (
            await session.execute(select(ContactGroup).where(in_workspace(ContactGroup, org_id)))
        ).scalars()
    }
    by_uuid = {
        g.uuid: g
        for g in (
            await session.execute(select(ContactGroup).where(in_workspace(ContactGroup, org_id)))
        ).scalars()
    }
    remap: dict[str, str] = {}
    for guuid, g in wanted.items():
        name = (g.get("name") or "").strip()
        if not name:
            continue
        if guuid in by_uuid:
            continue
        match = existing.get(name.lower())
        if match is not None:
            remap[guuid] = match.uuid
            continue
        query = g.get("query")
        group = ContactGroup(
            uuid=guuid, org_id=org_id, name=name[:64], group_type="Q" if query else "M", query=query,
            status="I" if query else "R",
        )  # fmt: skip
        session.add(group)
        existing[name.lower()] = group
        summary.groups += 1
    await session.flush()
    return remap


def _group_refs(flow: dict) -> list[dict]:
    refs = []
    for node in flow.get("nodes", []):
        for action in node.get("actions", []):
            for g in action.get("groups") or []:
                if isinstance(g, dict) and g.get("uuid") and g.get("name"):
                    refs.append(g)
    return refs


async def _import_fields(
    session: AsyncSession, org_id: int, fields: list[dict], flows: list[dict], summary: ImportSummary
) -> None:
    wanted: dict[str, dict] = {}
    for f in fields:
        wanted[f["key"]] = {
            "name": f.get("name") or f.get("label") or f["key"],
            "type": f.get("type", "text"),
        }
    for flow in flows:
        for node in flow.get("nodes", []):
            for action in node.get("actions", []):
                ref = action.get("field") if action.get("type") == "set_contact_field" else None
                if isinstance(ref, dict) and ref.get("key"):
                    wanted.setdefault(ref["key"], {"name": ref.get("name") or ref["key"], "type": "text"})
    existing = set(
        (await session.execute(select(ContactField.key).where(in_workspace(ContactField, org_id)))).scalars()
    )
    for key, f in wanted.items():
        if key in existing:
            continue
        session.add(
            ContactField(
                uuid=str(uuidlib.uuid4()),
                org_id=org_id,
                key=key[:36],
                name=str(f["name"])[:36],
                value_type=FIELD_TYPE_CODES.get(str(f["type"]), "T"),
            )
        )
        summary.fields += 1
    await session.flush()


async def _import_triggers(
    session: AsyncSession,
    org_id: int,
    triggers: list[dict],
    flow_ids: dict[str, int],
    group_remap: dict[str, str],
    summary: ImportSummary,
) -> None:
    groups = {
        g.uuid: g.id
        for g in (
            await session.execute(select(ContactGroup).where(in_workspace(ContactGroup, org_id)))
        ).scalars()
    }
    for t in triggers:
        flow_id = flow_ids.get((t.get("flow") or {}).get("uuid", ""))
        if flow_id is None:
            summary.skipped.append(f"trigger {t.get('trigger_type')} for a flow not in this export")
            continue
        keywords = t.get("keywords") or ([t["keyword"]] if t.get("keyword") else [])
        trigger = Trigger(
            uuid=str(uuidlib.uuid4()), org_id=org_id, trigger_type=t.get("trigger_type", "K"),
            keywords=[k.lower() for k in keywords], match_type=t.get("match_type") or ("F" if keywords else None),
            flow_id=flow_id,
        )  # fmt: skip
        session.add(trigger)
        await session.flush()
        for table, key in ((trigger_groups, "groups"), (trigger_exclude_groups, "exclude_groups")):
            ids = [
                groups.get(group_remap.get(g["uuid"]) or g["uuid"])
                for g in t.get(key) or []
                if isinstance(g, dict)
            ]
            rows = [{"trigger_id": trigger.id, "group_id": gid} for gid in ids if gid]
            if rows:
                await session.execute(insert(table), rows)
        summary.triggers += 1


def _remap_uuids(definition: dict, remap: dict[str, str]) -> dict:
    if not remap:
        return definition
    import json

    raw = json.dumps(definition)
    for old, new in remap.items():
        raw = raw.replace(old, new)
    return json.loads(raw)
