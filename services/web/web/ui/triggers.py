"""Triggers: the list by type, the create form (keyword, catch-all, missed call, new conversation, and
schedule: start a flow for groups at a time, once or repeating), archive.

Schedule triggers are viewed and edited on their own page (web.ui.schedule_triggers). A schedule trigger's
`schedule` is the same JSON as a scheduled broadcast's (see web.ui.schedule_form), with
its groups in trigger_groups and exclusions in trigger_exclude_groups, as RapidPro keeps them."""

import uuid as uuidlib
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from sqlalchemy import select, update
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Channel, ContactGroup, Flow, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from upesi.db.ops.flows import add_keyword_trigger
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError
from upesi.domain.triggers import refuse_conflicts
from upesi.domain.ussd import add_ussd_trigger
from web.ui import schedule_triggers
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.render import render
from web.ui.schedule_form import ScheduleError, ScheduleInput, describe, next_fire_local
from web.ui.schedule_triggers import TriggerInput, check_schedule_trigger, save_groups
from web.ui.scheduled_broadcasts import schedule_context

router = APIRouter()
TRIGGER_TYPES = {"K": "Keyword", "C": "Catch all", "M": "Missed call", "N": "New conversation", "R": "Referral",
                 "V": "Inbound call", "S": "Schedule", "O": "Opt-in", "T": "Ticket closed", "U": "USSD"}  # fmt: skip
MATCH_TYPES = {"F": "starts with", "O": "only word"}


@dataclass
class TriggerRow:
    trigger: Trigger
    flow_name: str
    flow_uuid: str
    channel_name: str | None
    groups: list[str]
    exclude_groups: list[str]
    description: str = ""
    next_fire: str = ""


async def _linked_group_names(ctx: Ctx, table: Any, trigger_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {i: [] for i in trigger_ids}
    for tid, name in await ctx.db.execute(
        select(table.c.trigger_id, ContactGroup.name)
        .join(ContactGroup, ContactGroup.id == table.c.group_id)
        .where(table.c.trigger_id.in_(trigger_ids))
        .order_by(ContactGroup.name)
    ):
        names[tid].append(name)
    return names


async def render_list(
    request: Request, ctx: Ctx, form: TriggerInput | None = None, error: str | None = None, status: int = 200
) -> Response:
    archived = request.url.path.endswith("/archived/")
    rows = (
        await ctx.db.execute(
            select(Trigger, Flow.name, Flow.uuid, Channel.name)
            .join(Flow, Flow.id == Trigger.flow_id)
            .outerjoin(Channel, Channel.id == Trigger.channel_id)
            .where(in_workspace(Trigger, ctx.org.id), Trigger.is_active, Trigger.is_archived.is_(archived))
            .order_by(Trigger.trigger_type, Trigger.id)
        )
    ).all()
    ids = [t.id for t, *_ in rows]
    groups = await _linked_group_names(ctx, trigger_groups, ids)
    excluded = await _linked_group_names(ctx, trigger_exclude_groups, ids)
    tz = ctx.org.timezone
    listed = [
        TriggerRow(
            t,
            flow_name,
            flow_uuid,
            channel_name,
            groups[t.id],
            excluded[t.id],
            describe(t.schedule, tz),
            next_fire_local(t.schedule, tz),
        )
        for t, flow_name, flow_uuid, channel_name in rows
    ]
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
    all_groups = (
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
    return render(
        request,
        "triggers.html",
        {
            "ctx": ctx,
            "rows": listed,
            "types": TRIGGER_TYPES,
            "matches": MATCH_TYPES,
            "flows": flows,
            "groups": all_groups,
            "archived": archived,
            "error": request.query_params.get("error"),
            "form": form or TriggerInput(),
            "form_error": error,
            **schedule_context(ctx),
        },
        status,
    )


@router.get("/trigger/")
@router.get("/trigger/archived/")
async def trigger_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("trigger_read")
    return await render_list(request, ctx)


async def _create_schedule_trigger(
    request: Request, ctx: Ctx, flow_id: int, form: TriggerInput
) -> Response | None:
    """Store a schedule trigger, or answer the form again with the field at fault named."""
    try:
        checked = await check_schedule_trigger(ctx, form)
    except ScheduleError as e:
        return await render_list(request, ctx, form=form, error=str(e), status=400)
    trigger = Trigger(
        uuid=str(uuidlib.uuid4()),
        org_id=ctx.org.id,
        trigger_type="S",
        flow_id=flow_id,
        schedule=checked.schedule,
    )
    ctx.db.add(trigger)
    await ctx.db.flush()
    await save_groups(ctx.db, trigger.id, checked)
    return None


@router.post("/trigger/create/", dependencies=[Csrf])
async def trigger_create(
    request: Request,
    ctx: CtxDep,
    flow: Annotated[str, Form()] = "",
    trigger_type: Annotated[str, Form()] = "K",
    keyword: Annotated[str, Form()] = "",
    match_type: Annotated[str, Form()] = "F",
    groups: Annotated[list[str] | None, Form()] = None,
    exclude_groups: Annotated[list[str] | None, Form()] = None,
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    repeat_period: Annotated[str, Form()] = "O",
    repeat_days_of_week: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx.require("trigger_edit")
    form = TriggerInput(trigger_type, flow, keyword, match_type, groups or [], exclude_groups or [],
                        ScheduleInput(start_date, start_time, repeat_period, repeat_days_of_week or []))  # fmt: skip
    flow_id = (
        await ctx.db.execute(
            select(Flow.id).where(in_workspace(Flow, ctx.org.id), Flow.uuid == flow, Flow.is_active)
        )
    ).scalar_one_or_none()
    if flow_id is None:
        if trigger_type == "S":
            return await render_list(request, ctx, form=form, error="Flow: choose a flow.", status=400)
        return RedirectResponse("/trigger/?error=Choose a flow", status_code=303)
    if trigger_type == "K":
        word = keyword.strip().lower()
        if not word or " " in word or len(word) > 16:
            return RedirectResponse(
                "/trigger/?error=A keyword is one word of at most 16 characters", status_code=303
            )
        try:
            await refuse_conflicts(ctx.db, org_id=ctx.org.id, trigger_type="K", keywords=[word])
        except DomainError as e:
            return RedirectResponse(f"/trigger/?error={quote(e.message)}", status_code=303)
        await add_keyword_trigger(
            ctx.db, ctx.org.id, flow_id, [word], match_type="O" if match_type == "O" else "F"
        )
    elif trigger_type in ("C", "M", "N"):  # catch-all, missed call, new conversation: just a flow
        try:
            await refuse_conflicts(ctx.db, org_id=ctx.org.id, trigger_type=trigger_type)
        except DomainError as e:
            return RedirectResponse(f"/trigger/?error={quote(e.message)}", status_code=303)
        ctx.db.add(
            Trigger(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, trigger_type=trigger_type, flow_id=flow_id)
        )
    elif trigger_type == "U":  # the keyword is the dialled service code; the flow must fit USSD screens
        try:
            await add_ussd_trigger(ctx.db, ctx.org.id, flow_id, keyword)
        except DomainError as e:
            return RedirectResponse(f"/trigger/?error={quote(e.message)}", status_code=303)
    elif trigger_type == "S":
        refused = await _create_schedule_trigger(request, ctx, flow_id, form)
        if refused is not None:
            return refused
    else:
        return RedirectResponse("/trigger/?error=Unsupported trigger type", status_code=303)
    await ctx.db.commit()
    return RedirectResponse("/trigger/", status_code=303)


@router.post("/trigger/archive/", dependencies=[Csrf])
async def trigger_archive(
    ctx: CtxDep, triggers: Annotated[list[str], Form()], action: Annotated[str, Form()] = "archive"
) -> Response:
    ctx.require("trigger_edit")
    await ctx.db.execute(
        update(Trigger)
        .where(in_workspace(Trigger, ctx.org.id), Trigger.uuid.in_(triggers))
        .values(is_archived=(action == "archive"))
    )
    await ctx.db.commit()
    return RedirectResponse("/trigger/", status_code=303)


router.include_router(schedule_triggers.router)
