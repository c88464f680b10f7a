"""Campaigns: the list with their group and events."""

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response
from upesi.db.models import ContactGroup, Flow
from upesi.db.models.campaigns import Campaign, CampaignEvent

from web.ui.auth import CtxDep
from web.ui.render import render

router = APIRouter()
UNITS = {"M": "minutes", "H": "hours", "D": "days", "W": "weeks"}


@router.get("/campaign/")
async def campaign_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("flow_read")
    campaigns = (
        await ctx.db.execute(
            select(Campaign, ContactGroup.name)
            .join(ContactGroup, ContactGroup.id == Campaign.group_id)
            .where(Campaign.org_id == ctx.org.id, Campaign.is_active, Campaign.is_archived.is_(False))
            .order_by(Campaign.name)
        )
    ).all()
    events: dict[int, list] = {}
    if campaigns:
        rows = await ctx.db.execute(
            select(CampaignEvent, Flow.name)
            .outerjoin(Flow, Flow.id == CampaignEvent.flow_id)
            .where(CampaignEvent.campaign_id.in_([c.id for c, _ in campaigns]), CampaignEvent.is_active)
            .order_by(CampaignEvent.id)
        )
        for event, flow_name in rows:
            events.setdefault(event.campaign_id, []).append((event, flow_name))
    return render(
        request, "campaigns.html", {"ctx": ctx, "campaigns": campaigns, "events": events, "units": UNITS}
    )
