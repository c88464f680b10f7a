"""definitions (GET, deprecated upstream): an export document of flows and campaigns with, as asked by
`dependencies` (none|flows|all), the flows they start and the groups and fields they use."""

from collections.abc import Iterator
from typing import Any

from fastapi import Request

from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.db.models import Campaign, CampaignEvent, ContactField, ContactGroup, Flow, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from web.api.v2 import params
from web.api.v2.auth import APIContext
from web.api.v2.campaign_events import SYSTEM_DATES, UNITS
from web.api.v2.errors import invalid
from web.api.v2.field_values import VALUE_TYPES
from web.api.v2.flows import latest_definitions
from web.api.v2.recipients import linked_refs
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import is_uuid

EXPORT_VERSION = "13"
TRIGGER_TYPES = {"K": "K", "C": "C", "M": "M", "N": "N", "R": "R", "V": "V", "S": "S", "T": "T", "O": "O"}


def walk(value: Any, parent_key: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (key, object) pair in a flow definition, so references can be picked out whatever action
    or router holds them."""
    if isinstance(value, dict):
        if parent_key:
            yield parent_key, value
        for key, child in value.items():
            yield from walk(child, key)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, parent_key)


def references(definition: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """(flow UUIDs, group UUIDs, field keys) a definition refers to."""
    flows, groups, fields = set(), set(), set()
    for key, obj in walk(definition):
        if key == "flow" and is_uuid(obj.get("uuid")):
            flows.add(obj["uuid"])
        elif key in ("group", "groups") and is_uuid(obj.get("uuid")):
            groups.add(obj["uuid"])
        elif key == "field" and obj.get("key"):
            fields.add(obj["key"])
    flows.discard(definition.get("uuid", ""))
    return flows, groups, fields


@endpoint("definitions", "GET", "orgs.org_export", summary="Export flows and campaigns with their dependencies",
          params=["flow", "campaign", "dependencies"], listed=False)  # fmt: skip
async def export(request: Request, ctx: APIContext) -> dict[str, Any]:
    flow_uuids = set(params.get_uuids(request, "flow"))
    campaign_uuids = set(params.get_uuids(request, "campaign"))
    deps = (params.get(request, "dependencies") or "all").lower()
    if deps not in ("none", "flows", "all"):
        raise invalid("dependencies must be one of none, flows, all")
    async with transaction() as session:
        campaigns = (
            (await session.execute(org_select(ctx, Campaign).where(Campaign.uuid.in_(campaign_uuids))))
            .scalars()
            .all()
            if campaign_uuids
            else []
        )
        events = (
            (
                await session.execute(
                    org_select(ctx, CampaignEvent).where(
                        CampaignEvent.campaign_id.in_([c.id for c in campaigns])
                    )
                )
            )
            .scalars()
            .all()
            if campaigns
            else []
        )
        event_flow_ids = {e.flow_id for e in events if e.flow_id}
        group_ids = {c.group_id for c in campaigns}

        # flows asked for, then (unless dependencies=none) the flows they start, breadth-first
        flows: dict[str, Flow] = {}
        definitions: dict[int, dict[str, Any]] = {}
        wanted_uuids, wanted_ids = set(flow_uuids), set(event_flow_ids) if deps != "none" else set()
        group_uuids: set[str] = set()
        field_keys: set[str] = {e.relative_to_key for e in events if e.relative_to_key not in SYSTEM_DATES}
        while wanted_uuids or wanted_ids:
            stmt = org_select(ctx, Flow).where(Flow.uuid.in_(wanted_uuids) | Flow.id.in_(wanted_ids))
            found = [f for f in (await session.execute(stmt)).scalars().all() if str(f.uuid) not in flows]
            wanted_uuids, wanted_ids = set(), set()
            new_defs = await latest_definitions(session, [f.id for f in found])
            for flow in found:
                flows[str(flow.uuid)] = flow
                definition = new_defs.get(flow.id) or {}
                definitions[flow.id] = definition
                refs_flows, refs_groups, refs_fields = references(definition)
                if deps != "none":
                    wanted_uuids |= {u for u in refs_flows if u not in flows}
                if deps == "all":
                    group_uuids |= refs_groups
                    field_keys |= refs_fields

        groups: list[ContactGroup] = []
        fields: list[ContactField] = []
        triggers: list[Trigger] = []
        if deps == "all":
            groups = (
                (
                    await session.execute(
                        org_select(ctx, ContactGroup).where(
                            ContactGroup.uuid.in_(group_uuids) | ContactGroup.id.in_(group_ids)
                        )
                    )
                )
                .scalars()
                .all()
            )
            fields = (
                (await session.execute(org_select(ctx, ContactField).where(ContactField.key.in_(field_keys))))
                .scalars()
                .all()
            )
            triggers = (
                (
                    await session.execute(
                        org_select(ctx, Trigger).where(
                            Trigger.flow_id.in_([f.id for f in flows.values()]),
                            Trigger.is_archived.is_(False),
                        )
                    )
                )
                .scalars()
                .all()
            )
        elif campaigns:
            groups = (
                (await session.execute(org_select(ctx, ContactGroup).where(ContactGroup.id.in_(group_ids))))
                .scalars()
                .all()
            )
        trigger_ids = [t.id for t in triggers]
        t_groups = await linked_refs(
            session, trigger_groups, "trigger_id", "group_id", ContactGroup, trigger_ids
        )
        t_excludes = await linked_refs(
            session, trigger_exclude_groups, "trigger_id", "group_id", ContactGroup, trigger_ids
        )

    flows_by_id = {f.id: f for f in flows.values()}
    all_groups = {g.id: g for g in groups}
    field_names = {f.key: f.name for f in fields}
    return {
        "version": EXPORT_VERSION,
        "site": get_settings().web_url,
        "flows": [definitions[f.id] for f in sorted(flows.values(), key=lambda f: f.name)],
        "campaigns": [
            {
                "uuid": str(c.uuid),
                "name": c.name,
                "group": {"uuid": str(all_groups[c.group_id].uuid), "name": all_groups[c.group_id].name}
                if c.group_id in all_groups
                else None,
                "events": [
                    {
                        "uuid": str(e.uuid),
                        "offset": e.offset,
                        "unit": UNITS.get(e.unit, "days")[0].upper(),
                        "event_type": e.event_type,
                        "delivery_hour": e.delivery_hour,
                        "message": e.translations,
                        "relative_to": {
                            "key": e.relative_to_key,
                            "label": field_names.get(e.relative_to_key)
                            or SYSTEM_DATES.get(e.relative_to_key),
                        },
                        "start_mode": e.start_mode,
                        "base_language": e.base_language,
                        "flow": {
                            "uuid": str(flows_by_id[e.flow_id].uuid),
                            "name": flows_by_id[e.flow_id].name,
                        }
                        if e.flow_id in flows_by_id
                        else None,
                    }
                    for e in events
                    if e.campaign_id == c.id
                ],
            }
            for c in campaigns
        ],
        "triggers": [
            {
                "trigger_type": TRIGGER_TYPES.get(t.trigger_type, t.trigger_type),
                "keywords": list(t.keywords or []),
                "match_type": t.match_type,
                "flow": {"uuid": str(flows_by_id[t.flow_id].uuid), "name": flows_by_id[t.flow_id].name},
                "groups": t_groups.get(t.id, []),
                "exclude_groups": t_excludes.get(t.id, []),
                "channel": None,
            }
            for t in triggers
        ],
        "fields": [
            {"key": f.key, "name": f.name, "type": VALUE_TYPES.get(f.value_type, "text")} for f in fields
        ],
        "groups": [
            {"uuid": str(g.uuid), "name": g.name, "query": g.query if g.group_type == "Q" else None}
            for g in groups
        ],
    }
