"""Campaigns: the list with their group and events; create a campaign and add events (start a flow or
send a message some time before or after a date field), delete an event, archive a campaign. Mailroom
(re)computes an event's fires through a `schedule_campaign_event` task: for a new event it writes them, for a
deleted event or an archived campaign it removes the ones still to come."""

import uuid as uuidlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select, update
from starlette.responses import RedirectResponse, Response

from upesi.db.models import ContactField, ContactGroup, Flow
from upesi.db.models.campaigns import Campaign, CampaignEvent
from upesi.db.scoping import in_workspace
from upesi.domain.campaigns import schedule
from web import mailroom_tasks
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
SYSTEM_DATES = ("created_on", "last_seen_on")
UNITS = {"M": "minutes", "H": "hours", "D": "days", "W": "weeks"}


@router.get("/campaign/")
async def campaign_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("flow_read")
    campaigns = (
        await ctx.db.execute(
            select(Campaign, ContactGroup.name)
            .join(ContactGroup, ContactGroup.id == Campaign.group_id)
            .where(in_workspace(Campaign, ctx.org.id), Campaign.is_active, Campaign.is_archived.is_(False))
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
    groups = (
        (
            await ctx.db.execute(
                select(ContactGroup)
                .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
                .order_by(ContactGroup.name)
            )
        )
        .scalars()
        .all()
    )
    fields = (
        (
            await ctx.db.execute(
                select(ContactField)
                .where(
                    in_workspace(ContactField, ctx.org.id),
                    ContactField.is_active,
                    ContactField.value_type == "D",
                )
                .order_by(ContactField.name)
            )
        )
        .scalars()
        .all()
    )
    flows = (
        (
            await ctx.db.execute(
                select(Flow)
                .where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.is_archived.is_(False))
                .order_by(Flow.name)
            )
        )
        .scalars()
        .all()
    )
    return render(
        request,
        "campaigns.html",
        {
            "ctx": ctx,
            "campaigns": campaigns,
            "events": events,
            "units": UNITS,
            "groups": groups,
            "fields": fields,
            "flows": flows,
            "error": request.query_params.get("error"),
        },
    )


@router.post("/campaign/create/", dependencies=[Csrf])
async def campaign_create(
    ctx: CtxDep, name: Annotated[str, Form()], group: Annotated[str, Form()]
) -> Response:
    ctx.require("flow_edit")
    group_id = (
        await ctx.db.execute(
            select(ContactGroup.id).where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.uuid == group)
        )
    ).scalar_one_or_none()
    if group_id is None or not name.strip():
        return RedirectResponse("/campaign/?error=A campaign needs a name and a group", status_code=303)
    ctx.db.add(
        Campaign(
            uuid=str(uuidlib.uuid4()),
            org_id=ctx.org.id,
            name=name.strip()[:64],
            group_id=group_id,
            created_by_id=ctx.user.id,
        )
    )
    await ctx.db.commit()
    return RedirectResponse("/campaign/", status_code=303)


@router.post("/campaign/event/create/", dependencies=[Csrf])
async def event_create(
    ctx: CtxDep,
    campaign: Annotated[str, Form()],
    relative_to: Annotated[str, Form()],
    offset: Annotated[int, Form()],
    unit: Annotated[str, Form()] = "D",
    flow: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("flow_edit")
    camp = (
        await ctx.db.execute(
            select(Campaign).where(in_workspace(Campaign, ctx.org.id), Campaign.uuid == campaign)
        )
    ).scalar_one_or_none()
    field = None
    if relative_to not in SYSTEM_DATES:
        field = (
            await ctx.db.execute(
                select(ContactField).where(
                    in_workspace(ContactField, ctx.org.id), ContactField.key == relative_to
                )
            )
        ).scalar_one_or_none()
    flow_id = None
    if flow:
        flow_id = (
            await ctx.db.execute(select(Flow.id).where(in_workspace(Flow, ctx.org.id), Flow.uuid == flow))
        ).scalar_one_or_none()
    if (
        camp is None
        or (field is None and relative_to not in SYSTEM_DATES)
        or unit not in UNITS
        or (flow_id is None and not message.strip())
    ):
        return RedirectResponse(
            "/campaign/?error=An event needs a date, an offset and a flow or a message", status_code=303
        )
    language = (ctx.org.languages or ["eng"])[0]
    event = CampaignEvent(
        uuid=str(uuidlib.uuid4()),
        org_id=ctx.org.id,
        campaign_id=camp.id,
        relative_to_id=field.id if field else None,
        relative_to_key=relative_to,
        offset=offset,
        unit=unit,
        event_type="F" if flow_id else "M",
        flow_id=flow_id,
        translations=None if flow_id else {language: message.strip()},
        base_language=None if flow_id else language,
    )
    schedule(event)  # fire version 1, being scheduled until mailroom has written its fires (as the API)
    ctx.db.add(event)
    await ctx.db.flush()
    await ctx.db.commit()  # before the task: mailroom must find the event
    await mailroom_tasks.campaign_events_changed(ctx.org.id, [event.id])
    return RedirectResponse("/campaign/", status_code=303)


@router.post("/campaign/event/delete/", dependencies=[Csrf])
async def event_delete(ctx: CtxDep, event: Annotated[str, Form()]) -> Response:
    ctx.require("flow_edit")
    event_id = (
        await ctx.db.execute(
            update(CampaignEvent)
            .where(
                in_workspace(CampaignEvent, ctx.org.id), CampaignEvent.uuid == event, CampaignEvent.is_active
            )
            .values(is_active=False)
            .returning(CampaignEvent.id)
        )
    ).scalar_one_or_none()
    if event_id is None:
        return RedirectResponse("/campaign/?error=No such event", status_code=303)
    await ctx.db.commit()  # before the task: mailroom must see the event gone
    await mailroom_tasks.campaign_events_changed(ctx.org.id, [event_id])
    return RedirectResponse("/campaign/", status_code=303)


@router.post("/campaign/archive/", dependencies=[Csrf])
async def campaign_archive(ctx: CtxDep, campaign: Annotated[str, Form()]) -> Response:
    ctx.require("flow_edit")
    campaign_id = (
        await ctx.db.execute(
            update(Campaign)
            .where(in_workspace(Campaign, ctx.org.id), Campaign.uuid == campaign, Campaign.is_active)
            .values(is_archived=True)
            .returning(Campaign.id)
        )
    ).scalar_one_or_none()
    if campaign_id is None:
        return RedirectResponse("/campaign/?error=No such campaign", status_code=303)
    event_ids = list(
        (
            await ctx.db.execute(
                select(CampaignEvent.id).where(
                    CampaignEvent.campaign_id == campaign_id, CampaignEvent.is_active
                )
            )
        ).scalars()
    )
    await ctx.db.commit()
    await mailroom_tasks.campaign_events_changed(ctx.org.id, event_ids)
    return RedirectResponse("/campaign/", status_code=303)
