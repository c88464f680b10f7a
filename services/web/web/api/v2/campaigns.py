"""campaigns: list (GET), create or update (POST, ?uuid=)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Campaign, ContactGroup
from upesi.domain.campaigns import reschedule_events
from upesi.domain.errors import DomainError
from web import mailroom_tasks
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.contact_writes import resolve_groups
from web.api.v2.errors import APIError, Errors
from web.api.v2.groups import validate_name
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.shapes import refs_by_id
from web.api.v2.values import fmt_dt, new_uuid


async def serialize_campaigns(session: AsyncSession, campaigns: list[Campaign]) -> list[dict[str, Any]]:
    groups = await refs_by_id(session, ContactGroup, (c.group_id for c in campaigns))
    return [
        {
            "uuid": str(c.uuid),
            "name": c.name,
            "archived": c.is_archived,
            "group": groups.get(c.group_id),
            "created_on": fmt_dt(c.created_on),
        }
        for c in campaigns
    ]


@endpoint(
    "campaigns",
    "GET",
    "campaigns.campaign_list",
    summary="List campaigns",
    params=["uuid"],
    response=objects.Page[objects.Campaign],
)
async def list_campaigns(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Campaign).where(Campaign.is_archived.is_(False))
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(Campaign.uuid == uuid)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Campaign.created_on, Campaign.id], lambda c: (c.created_on, c.id)
        )
        return page.response(await serialize_campaigns(session, page.rows))


@endpoint("campaigns", "POST", "campaigns.campaign_create", summary="Create or update a campaign", params=["uuid"],
          body=["name", "group"], response=objects.Campaign)  # fmt: skip
async def write_campaign(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    async with transaction() as session:
        # an archived campaign is not found, as RapidPro's queryset leaves it out
        campaign = (
            await get_or_404(
                session, ctx, Campaign, Campaign.uuid == found[1], Campaign.is_archived.is_(False)
            )
            if found
            else None
        )
        # every field's errors at once, as DRF gives them
        errors = Errors()
        name = ""
        try:
            name = await validate_name(session, ctx, data, Campaign, campaign)
        except DomainError as e:
            errors.add(e.field, e.message)
        except APIError as e:  # no name at all
            errors.fields.update(e.body)
        group_ref = string(data, "group", errors, required=True)
        groups = (
            await resolve_groups(session, ctx, [group_ref], errors, "group", manual_only=False)
            if group_ref
            else []
        )
        errors.raise_if_any()
        rescheduled: list[int] = []
        if campaign is None:
            campaign = Campaign(
                uuid=new_uuid(),
                org_id=ctx.org_id,
                name=name,
                group_id=groups[0].id,
                created_by_id=ctx.user_id,
            )
            session.add(campaign)
        else:
            if campaign.group_id != groups[0].id:
                rescheduled = await reschedule_events(session, org_id=ctx.org_id, campaign_id=campaign.id)
            campaign.name = name
            campaign.group_id = groups[0].id
            campaign.modified_on = func.now()
        await session.flush()
        await session.refresh(campaign)
        shape = (await serialize_campaigns(session, [campaign]))[0]
    if rescheduled:
        await mailroom_tasks.campaign_events_changed(ctx.org_id, rescheduled)
    return shape if found else created(shape)
