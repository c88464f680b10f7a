"""Flows of an export: matched in the workspace by UUID, then by name and type (RapidPro's order), else
created; every object a flow uses is matched or created (fields, groups, labels, topics, globals,
resthooks, as RapidPro's import does) and the definition rewritten to the workspace's UUIDs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel, Flow
from upesi.db.models.media import OptIn
from upesi.db.ops.flows import FLOW_TYPE_CODES, save_flow
from upesi.db.scoping import in_workspace
from upesi.domain.imports.assets import Assets
from upesi.domain.imports.reading import MAX_NAME_LEN
from upesi.domain.imports.report import ImportReport
from upesi.domain.imports.uuids import element_uuids, is_uuid, new_uuid, rewrite, taken_uuids
from upesi.flows.inspect import inspect_flow

# dependency kinds we match by UUID then name but can't create: kept as written, with a warning if absent
_LOOKED_UP = {"channel": Channel, "optin": OptIn, "flow": Flow}
# dependency kinds this installation has no objects for: kept as written, the engine reports them missing
_NOT_HELD = {"template", "classifier", "llm"}
# dependency kinds the engine resolves itself at run time (contacts and users by their own identity)
_RESOLVED_AT_RUN = {"contact", "user"}


@dataclass
class PlannedFlow:
    definition: dict[str, Any]  # as read from the file (current spec)
    target_uuid: str
    name: str
    existing: Flow | None
    copy: bool  # a new flow whose file UUID another workspace holds: all its elements get new UUIDs


def unique_name(base: str, taken: set[str]) -> str:
    """RapidPro's get_unique_name: the name, else the name with ' 2', ' 3' ... within the length limit."""
    count = 1
    while True:
        suffix = f" {count}" if count > 1 else ""
        name = f"{base[: MAX_NAME_LEN - len(suffix)]}{suffix}"
        if name.lower() not in taken:
            return name
        count += 1


async def import_flows(
    session: AsyncSession, *, org_id: int, definitions: list[dict[str, Any]], assets: Assets,
    mapping: dict[str, str], report: ImportReport, user_id: int | None,
) -> dict[str, Flow]:  # fmt: skip
    """Import the flows; returns them by their UUID in the file. `mapping` (file UUID -> workspace UUID)
    gets the flows and every dependency matched to another UUID."""
    existing = list(
        (await session.execute(select(Flow).where(in_workspace(Flow, org_id), Flow.is_active))).scalars()
    )
    by_uuid = {str(f.uuid): f for f in existing}
    taken = await taken_uuids(session, Flow, [d["uuid"] for d in definitions if d["uuid"] not in by_uuid])
    names = {f.name.lower() for f in existing}
    planned: list[PlannedFlow] = []
    for d in definitions:
        flow_type = FLOW_TYPE_CODES.get(d.get("type", "messaging"), "M")
        match = by_uuid.get(d["uuid"]) or next(
            (f for f in existing if f.name.lower() == d["name"].lower() and f.flow_type == flow_type), None
        )
        if match is not None:
            names.discard(match.name.lower())
        name = unique_name(d["name"], names)
        names.add(name.lower())
        copy = match is None and d["uuid"] in taken
        target = str(match.uuid) if match else (new_uuid() if copy else d["uuid"])
        if target != d["uuid"]:
            mapping[d["uuid"]] = target
        planned.append(PlannedFlow(d, target, name, match, copy))

    in_file = {d["uuid"] for d in definitions}
    for p in planned:
        await _resolve_dependencies(session, p, assets, mapping, in_file, report)

    imported: dict[str, Flow] = {}
    for p in planned:
        own = {u: new_uuid() for u in element_uuids(p.definition)} if p.copy else {}
        definition = rewrite(p.definition, {**mapping, **own})
        definition["uuid"], definition["name"] = p.target_uuid, p.name
        definition.pop("revision", None)
        flow = await save_flow(session, org_id, definition, user_id=user_id)
        if flow.is_archived:
            flow.is_archived = False  # RapidPro restores an archived flow an import updates
        imported[p.definition["uuid"]] = flow
        (report.update if p.existing else report.create)("flows", p.name)
        report.flows.append({"uuid": str(flow.uuid), "name": flow.name})
    return imported


async def _resolve_dependencies(
    session: AsyncSession, p: PlannedFlow, assets: Assets, mapping: dict[str, str], in_file: set[str],
    report: ImportReport,
) -> None:  # fmt: skip
    where = f"flow '{p.name}'"
    for dep in inspect_flow(p.definition)["dependencies"]:
        kind, ident, name = dep["type"], dep.get("uuid") or dep.get("key") or "", dep.get("name") or ""
        if kind == "field":
            await assets.field(session, ident, name or None)
        elif kind == "global":
            assets.global_(session, ident, name)
        elif ident in mapping or (kind == "flow" and ident in in_file):
            continue
        elif kind == "group":
            group = await assets.group(session, ident, name)
            _map(mapping, ident, str(group.uuid))
        elif kind == "label":
            _map(mapping, ident, str((await assets.label(session, ident, name)).uuid))
        elif kind == "topic":
            _map(mapping, ident, str((await assets.topic(session, ident, name)).uuid))
        elif kind in _LOOKED_UP:
            found = await _look_up(session, _LOOKED_UP[kind], assets.org_id, ident, name, kind)
            if found is None:
                report.warnings.append(
                    f"{where} uses {kind} '{name or ident}', which this workspace has not got"
                )
            else:
                _map(mapping, ident, found)
        elif kind in _NOT_HELD:
            report.warnings.append(f"{where} uses {kind} '{name or ident}', which this workspace has not got")
        elif kind not in _RESOLVED_AT_RUN:
            report.warnings.append(f"{where} uses a {kind} '{name or ident}' that imports don't create")
    for node in p.definition.get("nodes") or []:
        for action in node.get("actions") or []:
            if action.get("type") == "call_resthook" and action.get("resthook"):
                assets.resthook(session, action["resthook"])


def _map(mapping: dict[str, str], old: str, new: str) -> None:
    if old != new:
        mapping[old] = new


async def _look_up(
    session: AsyncSession, model: type[Any], org_id: int, uuid: str, name: str, kind: str
) -> str | None:
    """By UUID in the workspace (a copy within it), else by name (an import from elsewhere)."""
    base = select(model.uuid).where(in_workspace(model, org_id), model.is_active)
    found = (await session.execute(base.where(model.uuid == uuid))).scalar() if is_uuid(uuid) else None
    if found is None and name:
        if kind == "channel" and ":" in name:  # migrated legacy flows name channels "<type>: <name>"
            name = name.split(":")[-1].strip()
        found = (await session.execute(base.where(model.name == name).limit(1))).scalar()
    return str(found) if found is not None else None
