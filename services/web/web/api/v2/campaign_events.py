"""campaign_events: list (GET), create or update (POST, ?uuid=), delete (DELETE).

A message event keeps its translations on the event; scheduling contacts' fires is mailroom's work, asked for
once the change is committed.
"""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Campaign, CampaignEvent, ContactField, Flow
from upesi.domain import campaigns as campaign_rules
from web import mailroom_tasks
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import integer, read_body, string, translations
from web.api.v2.errors import Errors, invalid
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint, no_content
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.shapes import refs_by_id
from web.api.v2.values import fmt_dt, is_uuid, new_uuid

UNITS = {"M": "minutes", "H": "hours", "D": "days", "W": "weeks"}
UNIT_CODES = {name: code for code, name in UNITS.items()}
SYSTEM_DATES = {"created_on": "Created On", "last_seen_on": "Last Seen On"}
MAX_TEXT = 4096  # RapidPro's Msg.MAX_TEXT_LEN


async def serialize_events(session: AsyncSession, events: list[CampaignEvent]) -> list[dict[str, Any]]:
    campaigns = await refs_by_id(session, Campaign, (e.campaign_id for e in events))
    flows = await refs_by_id(session, Flow, (e.flow_id for e in events))
    field_ids = sorted({e.relative_to_id for e in events if e.relative_to_id})
    fields: dict[int, dict[str, str]] = {}
    if field_ids:
        rows = await session.execute(
            select(ContactField.id, ContactField.key, ContactField.name).where(ContactField.id.in_(field_ids))
        )
        fields = {r.id: {"key": r.key, "name": r.name} for r in rows}
    return [
        {
            "uuid": str(e.uuid),
            "campaign": campaigns.get(e.campaign_id),
            "relative_to": _relative_to(fields.get(e.relative_to_id or 0) if e.relative_to_id else None, e),
            "offset": e.offset,
            "unit": UNITS.get(e.unit, "days"),
            "delivery_hour": e.delivery_hour,
            "flow": flows.get(e.flow_id) if e.event_type == "F" and e.flow_id else None,
            "message": e.translations if e.event_type == "M" else None,
            "created_on": fmt_dt(e.created_on),
        }
        for e in events
    ]


def _relative_to(field: dict[str, str] | None, e: CampaignEvent) -> dict[str, str]:
    key, name = (
        (field["key"], field["name"])
        if field
        else (e.relative_to_key, SYSTEM_DATES.get(e.relative_to_key, e.relative_to_key))
    )
    return {"key": key, "name": name, "label": name}  # label: deprecated, kept by RapidPro for old clients


@endpoint("campaign_events", "GET", "campaigns.campaignevent_list", summary="List campaign events",
          params=["uuid", "campaign"], response=objects.Page[objects.CampaignEvent])  # fmt: skip
async def list_events(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, CampaignEvent)
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(CampaignEvent.uuid == uuid)
    if campaign := params.get(request, "campaign"):
        cond = (
            Campaign.uuid == campaign if is_uuid(campaign) else func.lower(Campaign.name) == campaign.lower()
        )
        stmt = stmt.where(CampaignEvent.campaign_id.in_(org_select(ctx, Campaign, Campaign.id).where(cond)))
    async with transaction() as session:
        page = await paginate(session, request, stmt, [CampaignEvent.created_on, CampaignEvent.id],
                              lambda e: (e.created_on, e.id))  # fmt: skip
        return page.response(await serialize_events(session, page.rows))


@endpoint(
    "campaign_events", "POST", "campaigns.campaignevent_create", summary="Create or update a campaign event",
    params=["uuid"], body=["campaign", "relative_to", "offset", "unit", "delivery_hour", "message", "flow"], response=objects.CampaignEvent,
)  # fmt: skip
async def write_event(request: Request, ctx: APIContext) -> Any:
    """RapidPro's CampaignEventWriteSerializer: every scheduling field is required on create and update alike,
    an event stays in its campaign, and a message must have the workspace's base language."""
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    errors = Errors()
    base_language = (ctx.org.languages or ["eng"])[0]
    async with transaction() as session:
        event = (
            await get_or_404(session, ctx, CampaignEvent, CampaignEvent.uuid == found[1]) if found else None
        )
        creating = event is None
        campaign = None
        # RapidPro requires the campaign on updates too, but rapidpro-python's update_campaign_event never sends
        # it (so it fails against RapidPro); an update without it keeps the event's campaign (NOTES.md)
        campaign_ref = string(data, "campaign", errors, required=creating)
        if campaign_ref:
            campaign = (
                await session.execute(
                    org_select(ctx, Campaign).where(Campaign.uuid == campaign_ref, Campaign.is_archived.is_(False))
                )
            ).scalar_one_or_none() if is_uuid(campaign_ref) else None  # fmt: skip
            if campaign is None:
                errors.add("campaign", f"No such object: {campaign_ref}")
            elif event is not None and event.campaign_id != campaign.id:
                errors.add("campaign", "Cannot change campaign for existing events")
        relative_key = string(data, "relative_to", errors, required=True)
        relative_field = None
        if relative_key and relative_key not in SYSTEM_DATES:
            relative_field = (
                await session.execute(org_select(ctx, ContactField).where(ContactField.key == relative_key))
            ).scalar_one_or_none()
            if relative_field is None:
                errors.add("relative_to", f"No such object: {relative_key}")
            elif relative_field.value_type != "D":
                errors.add("relative_to", "Must be a datetime field.")
        offset = integer(data, "offset", errors, required=True)
        unit = string(data, "unit", errors, required=True)
        if unit is not None and unit not in UNIT_CODES:
            errors.add("unit", f'"{unit}" is not a valid choice.')
        delivery_hour = integer(data, "delivery_hour", errors, required=True)
        if delivery_hour is not None and delivery_hour > 23:
            errors.add("delivery_hour", "Ensure this value is less than or equal to 23.")
        elif delivery_hour is not None and delivery_hour < -1:
            errors.add("delivery_hour", "Ensure this value is greater than or equal to -1.")
        message = translations(data, "message", errors, base_language, max_length=MAX_TEXT) if (
            data.get("message") is not None) else None  # fmt: skip
        if message is not None and not message.get(base_language):
            errors.add("message", "Message text in default flow language is required.")
        flow = None
        flow_ref = string(data, "flow", errors, allow_null=True)
        if flow_ref:
            flow = (
                await session.execute(org_select(ctx, Flow).where(Flow.uuid == flow_ref))
            ).scalar_one_or_none() if is_uuid(flow_ref) else None  # fmt: skip
            if flow is None:
                errors.add("flow", f"No such object: {flow_ref}")
        errors.raise_if_any()
        # RapidPro's validate(): an event whose fires mailroom is still computing can't change, whatever changes
        if event is not None and campaign_rules.is_being_scheduled(event):
            errors.add("non_field_errors", campaign_rules.BEING_SCHEDULED)
        elif bool(message) == bool(flow):
            errors.add("non_field_errors", "Flow or a message text required.")
        errors.raise_if_any()
        if campaign is None and event is not None:
            campaign = await session.get(Campaign, event.campaign_id)
        assert campaign is not None and relative_key is not None and unit is not None
        assert offset is not None and delivery_hour is not None

        if event is None:
            event = CampaignEvent(
                uuid=new_uuid(), org_id=ctx.org_id, campaign_id=campaign.id, relative_to_key=relative_key
            )
        relative_id = relative_field.id if relative_field else None
        # only a change of when it fires reschedules it (a new fire version makes the old fires stale)
        reschedule = creating or (event.offset, event.unit, event.delivery_hour, event.relative_to_key) != (
            offset, UNIT_CODES[unit], delivery_hour, relative_key)  # fmt: skip
        event.relative_to_key, event.relative_to_id = relative_key, relative_id
        event.offset, event.unit, event.delivery_hour = offset, UNIT_CODES[unit], delivery_hour
        if message:
            event.event_type, event.translations, event.flow_id = "M", message, None
            event.base_language = base_language
        else:
            assert flow is not None
            event.event_type, event.flow_id, event.translations, event.base_language = (
                "F",
                flow.id,
                None,
                None,
            )
        if reschedule:
            campaign_rules.schedule(event)
        if creating:
            session.add(event)
        else:
            event.modified_on = func.now()
        await session.flush()
        await session.refresh(event)
        shape = (await serialize_events(session, [event]))[0]
    if reschedule:
        await mailroom_tasks.campaign_events_changed(ctx.org_id, [event.id])
    return created(shape) if creating else shape


@endpoint("campaign_events", "DELETE", "campaigns.campaignevent_delete", summary="Delete a campaign event",
          params=["uuid"])  # fmt: skip
async def delete_event(request: Request, ctx: APIContext) -> Any:
    found = params.lookup(request, ("uuid",))
    if found is None:
        raise invalid("URL must contain one of the following parameters: uuid")
    async with transaction() as session:
        event = await get_or_404(session, ctx, CampaignEvent, CampaignEvent.uuid == found[1])
        await session.execute(
            update(CampaignEvent)
            .where(CampaignEvent.id == event.id)
            .values(is_active=False, modified_on=func.now())
        )
    await mailroom_tasks.campaign_events_changed(ctx.org_id, [event.id])
    return no_content()
