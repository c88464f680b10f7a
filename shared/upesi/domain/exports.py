"""Exporting definitions, the inverse of upesi.domain.imports and the one builder the API (definitions)
and the UI (flow export) both call. What goes in is RapidPro's Org.resolve_dependencies over the graph of
Org.generate_dependency_graph, made symmetric: a flow brings the flows it starts and the flows that start
it, the campaigns of the groups it uses and whose events start it, and the triggers that start it; a
campaign brings its event flows. dependencies=flows leaves campaigns out of the graph (triggers stay);
dependencies=all adds the fields and groups of what is exported; none exports what was asked for only.

Flows are written as stored, at spec 14.4.2 (goflow's current spec, which RapidPro's pinned goflow calls
14.4.1): the definition has had the 14.4.2 migration applied, so calling it 14.4.1 would misstate it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import (
    Campaign,
    CampaignEvent,
    Channel,
    ContactField,
    ContactGroup,
    Flow,
    FlowRevision,
    Trigger,
)
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from upesi.db.scoping import in_workspace
from upesi.domain.imports.assets import FIELD_TYPE_NAMES, SYSTEM_FIELDS
from upesi.domain.imports.triggers import CHANNEL_TYPES, IMPORTED
from upesi.flows.definition import FlowValidationError
from upesi.flows.inspect import inspect_flow

EXPORT_VERSION = "13"  # RapidPro's Org.CURRENT_EXPORT_VERSION
SYSTEM_FIELD_NAMES = {"created_on": "Created On", "last_seen_on": "Last Seen On"}
DEPENDENCIES = ("none", "flows", "all")
Node = tuple[str, int]  # ("flow" | "campaign" | "trigger", id)


async def latest_definitions(session: AsyncSession, flow_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not flow_ids:
        return {}
    rows = await session.execute(
        select(FlowRevision.flow_id, FlowRevision.definition)
        .where(FlowRevision.flow_id.in_(flow_ids))
        .ext(distinct_on(FlowRevision.flow_id))
        .order_by(FlowRevision.flow_id, FlowRevision.revision.desc())
    )
    return {flow_id: definition for flow_id, definition in rows}


async def export_definitions(
    session: AsyncSession, *, org_id: int, flow_uuids: Sequence[str], campaign_uuids: Sequence[str] = (),
    dependencies: str = "all", site: str = "",
) -> dict[str, Any]:  # fmt: skip
    flows = {
        f.id: f
        for f in (
            await session.execute(
                select(Flow).where(in_workspace(Flow, org_id), Flow.is_active, Flow.is_system.is_(False))
            )
        ).scalars()
    }
    campaigns = {
        c.id: c
        for c in (
            await session.execute(select(Campaign).where(in_workspace(Campaign, org_id), Campaign.is_active))
        ).scalars()
    }
    events = list(
        (
            await session.execute(
                select(CampaignEvent).where(in_workspace(CampaignEvent, org_id), CampaignEvent.is_active)
            )
        ).scalars()
    )
    triggers = {
        t.id: t
        for t in (
            await session.execute(
                select(Trigger).where(
                    in_workspace(Trigger, org_id), Trigger.is_active, Trigger.is_archived.is_(False)
                )
            )
        ).scalars()
    }
    definitions = await latest_definitions(session, list(flows))
    deps = {fid: flow_dependencies(d) for fid, d in definitions.items()}

    all_groups = {
        g.id: g
        for g in (
            await session.execute(select(ContactGroup).where(in_workspace(ContactGroup, org_id)))
        ).scalars()
    }
    group_ids_by_uuid = {str(g.uuid): g.id for g in all_groups.values()}

    wanted_flows, wanted_campaigns = set(flow_uuids), set(campaign_uuids)
    primary: set[Node] = {("flow", f.id) for f in flows.values() if str(f.uuid) in wanted_flows}
    primary |= {("campaign", c.id) for c in campaigns.values() if str(c.uuid) in wanted_campaigns}
    if dependencies == "none":
        chosen = primary
    else:
        graph = _graph(
            flows,
            campaigns,
            events,
            triggers,
            deps,
            group_ids_by_uuid,
            include_campaigns=dependencies == "all",
        )
        chosen = _reach(graph, primary)

    flow_ids = sorted((i for k, i in chosen if k == "flow"), key=lambda i: flows[i].name.lower())
    campaign_ids = sorted((i for k, i in chosen if k == "campaign"), key=lambda i: campaigns[i].name.lower())
    trigger_ids = sorted(i for k, i in chosen if k == "trigger")
    groups_of, excludes_of = await _trigger_groups(session, trigger_ids)
    fields = {
        f.key: f
        for f in (
            await session.execute(
                select(ContactField).where(in_workspace(ContactField, org_id), ContactField.is_active)
            )
        ).scalars()
    }
    channels = {
        c.id: c
        for c in (await session.execute(select(Channel).where(in_workspace(Channel, org_id)))).scalars()
    }

    out_fields: set[str] = set()
    out_groups: set[int] = set()
    for fid in flow_ids:
        for d in deps.get(fid, []):
            if d["type"] == "field" and d.get("key") in fields:
                out_fields.add(d["key"])
            elif d["type"] == "group" and d.get("uuid") in group_ids_by_uuid:
                out_groups.add(group_ids_by_uuid[d["uuid"]])
    campaign_events = defaultdict(list)
    for e in events:
        campaign_events[e.campaign_id].append(e)
    for cid in campaign_ids:
        out_groups.add(campaigns[cid].group_id)
        out_fields |= {
            e.relative_to_key for e in campaign_events[cid] if e.relative_to_key not in SYSTEM_FIELDS
        }
    for tid in trigger_ids:
        out_groups |= groups_of[tid]
    include_assets = dependencies == "all"

    def group_ref(gid: int) -> dict[str, str]:
        return {"uuid": str(all_groups[gid].uuid), "name": all_groups[gid].name}

    def flow_ref(fid: int) -> dict[str, str]:
        return {"uuid": str(flows[fid].uuid), "name": flows[fid].name}

    return {
        "version": EXPORT_VERSION,
        "site": site,
        "flows": [definitions.get(fid) or {} for fid in flow_ids],
        "campaigns": [
            _campaign(campaigns[cid], campaign_events[cid], group_ref, flow_ref, fields, flows)
            for cid in campaign_ids
        ],
        "triggers": [
            _trigger(triggers[tid], groups_of[tid], excludes_of[tid], group_ref, flow_ref, channels)
            for tid in trigger_ids
            if triggers[tid].trigger_type in IMPORTED
        ],
        "fields": [
            {"key": k, "name": fields[k].name, "type": FIELD_TYPE_NAMES.get(fields[k].value_type, "text")}
            for k in sorted(out_fields)
            if k in fields
        ]
        if include_assets
        else [],
        "groups": [
            {"uuid": str(g.uuid), "name": g.name, "query": g.query if g.group_type == "Q" else None}
            for g in sorted(
                (all_groups[i] for i in out_groups if i in all_groups), key=lambda g: g.name.lower()
            )
        ]
        if include_assets
        else [],
    }


def flow_dependencies(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """What a stored flow uses, as the engine's inspection finds it; a definition the engine would refuse
    (saved by an older version) still exports, its references then picked out wherever they are."""
    try:
        return list(inspect_flow(definition)["dependencies"])
    except (FlowValidationError, KeyError, TypeError, ValueError):
        return list(_walk_references(definition, ""))


def _walk_references(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if key in ("flow", "group", "groups") and isinstance(value.get("uuid"), str):
            yield {"type": "group" if key.startswith("group") else "flow", "uuid": value["uuid"]}
        elif key == "field" and isinstance(value.get("key"), str):
            yield {"type": "field", "key": value["key"]}
        for k, v in value.items():
            yield from _walk_references(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_references(v, key)


def _graph(
    flows: dict[int, Flow], campaigns: dict[int, Campaign], events: list[CampaignEvent], triggers: dict[int, Trigger],
    deps: dict[int, list[dict[str, Any]]], group_ids: dict[str, int], *, include_campaigns: bool,
) -> dict[Node, set[Node]]:  # fmt: skip
    """Each exportable object's immediate dependencies, both ways (if A depends on B, B depends on A).
    Archived flows and campaigns are not in it (they come only when asked for by name)."""
    graph: dict[Node, set[Node]] = defaultdict(set)
    live_flows = {str(f.uuid): f.id for f in flows.values() if not f.is_archived}
    live_campaigns = {c.id: c for c in campaigns.values() if not c.is_archived} if include_campaigns else {}
    campaigns_by_group: dict[int, list[int]] = defaultdict(list)
    for c in live_campaigns.values():
        campaigns_by_group[c.group_id].append(c.id)
    for fid in live_flows.values():
        node: Node = ("flow", fid)
        graph[node]
        for d in deps.get(fid, []):
            if d["type"] == "flow" and d.get("uuid") in live_flows:
                graph[node].add(("flow", live_flows[d["uuid"]]))
            # a flow's group stands for the campaigns on that group: flow-group-flow is no dependency
            elif d["type"] == "group" and d.get("uuid") in group_ids:
                graph[node].update(("campaign", cid) for cid in campaigns_by_group[group_ids[d["uuid"]]])
    if live_campaigns:
        for e in events:
            if e.campaign_id in live_campaigns and e.event_type == "F" and e.flow_id in flows:
                graph[("campaign", e.campaign_id)].add(("flow", e.flow_id))
    for t in triggers.values():
        if t.flow_id in flows:
            graph[("trigger", t.id)].add(("flow", t.flow_id))
    for node, targets in list(graph.items()):
        for target in targets:
            graph[target].add(node)
    return graph


def _reach(graph: dict[Node, set[Node]], primary: set[Node]) -> set[Node]:
    seen: set[Node] = set()
    todo = list(primary)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(graph.get(node, ()))
    return seen


def _campaign(
    c: Campaign, events: list[CampaignEvent], group_ref: Any, flow_ref: Any, fields: dict[str, ContactField],
    flows: dict[int, Flow],
) -> dict[str, Any]:  # fmt: skip
    """RapidPro's Campaign.as_export_def: events ordered by their flow's UUID (message events last)."""
    out = []
    ordered = sorted(
        events, key=lambda e: (e.flow_id is None, str(flows[e.flow_id].uuid) if e.flow_id in flows else "")
    )
    for e in ordered:
        label = (
            fields[e.relative_to_key].name
            if e.relative_to_key in fields
            else SYSTEM_FIELD_NAMES.get(e.relative_to_key, e.relative_to_key)
        )
        d: dict[str, Any] = {
            "uuid": str(e.uuid), "offset": e.offset, "unit": e.unit, "event_type": e.event_type,
            "delivery_hour": e.delivery_hour, "relative_to": {"label": label, "key": e.relative_to_key},
            "start_mode": e.start_mode,
        }  # fmt: skip
        if e.event_type == "F" and e.flow_id in flows:
            d["flow"] = flow_ref(e.flow_id)
        elif e.event_type == "M":
            d["message"] = dict(e.translations or {})
            d["base_language"] = e.base_language
        out.append(d)
    return {"uuid": str(c.uuid), "name": c.name, "group": group_ref(c.group_id), "events": out}


def _trigger(
    t: Trigger,
    groups: set[int],
    excludes: set[int],
    group_ref: Any,
    flow_ref: Any,
    channels: dict[int, Channel],
) -> dict[str, Any]:
    """RapidPro's TriggerType.export_def: the fields of its type only, groups ordered by name."""
    d: dict[str, Any] = {
        "trigger_type": t.trigger_type,
        "flow": flow_ref(t.flow_id),
        "groups": sorted((group_ref(g) for g in groups), key=lambda r: r["name"]),
        "exclude_groups": sorted((group_ref(g) for g in excludes), key=lambda r: r["name"]),
    }
    if t.trigger_type in CHANNEL_TYPES:
        channel = channels.get(t.channel_id or 0)
        d["channel"] = {"uuid": str(channel.uuid), "name": channel.name} if channel else None
    if t.trigger_type == "K":
        d["keywords"] = list(t.keywords or [])
        d["match_type"] = t.match_type
    return d


async def _trigger_groups(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    groups: dict[int, set[int]] = defaultdict(set)
    excludes: dict[int, set[int]] = defaultdict(set)
    if ids:
        for table, out in ((trigger_groups, groups), (trigger_exclude_groups, excludes)):
            for tid, gid in await session.execute(
                select(table.c.trigger_id, table.c.group_id).where(table.c.trigger_id.in_(ids))
            ):
                out[tid].add(gid)
    return groups, excludes
