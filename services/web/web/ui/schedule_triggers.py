"""Schedule triggers: checking the schedule part of the trigger form, writing a trigger's groups, and the
page that views and edits one (RapidPro's /trigger/update/). Creating one goes through the trigger list's
form (web.ui.triggers)."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.db.models import ContactGroup, Flow, Trigger
from upesi.db.models.triggers import trigger_exclude_groups, trigger_groups
from upesi.db.scoping import in_workspace
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.render import render
from web.ui.schedule_form import ScheduleError, ScheduleInput, build_schedule, describe, next_fire_local
from web.ui.scheduled_broadcasts import schedule_context

router = APIRouter()


@dataclass
class TriggerInput:
    """The trigger form as typed, so a refused form is shown again with nothing lost."""

    trigger_type: str = "K"
    flow: str = ""
    keyword: str = ""
    match_type: str = "F"
    groups: list[str] = field(default_factory=list)
    exclude_groups: list[str] = field(default_factory=list)
    schedule: ScheduleInput = field(default_factory=ScheduleInput)


@dataclass
class CheckedSchedule:
    group_ids: list[int]
    exclude_ids: list[int]
    schedule: dict[str, Any]


async def _group_ids(ctx: Ctx, uuids: list[str]) -> list[int]:
    if not uuids:
        return []
    return list(
        (
            await ctx.db.execute(
                select(ContactGroup.id).where(
                    in_workspace(ContactGroup, ctx.org.id),
                    ContactGroup.is_active,
                    ContactGroup.uuid.in_(uuids),
                )
            )
        ).scalars()
    )


async def check_schedule_trigger(ctx: Ctx, form: TriggerInput) -> CheckedSchedule:
    """The groups and schedule JSON of a schedule trigger's form, or ScheduleError naming the field."""
    group_ids = await _group_ids(ctx, form.groups)
    if not group_ids:
        raise ScheduleError("groups", "Groups: choose at least one group to start the flow for.")
    schedule = build_schedule(form.schedule, ctx.org.timezone)
    return CheckedSchedule(group_ids, await _group_ids(ctx, form.exclude_groups), schedule)


async def save_groups(db: AsyncSession, trigger_id: int, checked: CheckedSchedule) -> None:
    """The trigger's groups and excluded groups, replacing any it had."""
    for table, ids in ((trigger_groups, checked.group_ids), (trigger_exclude_groups, checked.exclude_ids)):
        await db.execute(delete(table).where(table.c.trigger_id == trigger_id))
        if ids:
            await db.execute(insert(table), [{"trigger_id": trigger_id, "group_id": g} for g in ids])


async def _flow_id(ctx: Ctx, flow_uuid: str) -> int | None:
    return (
        await ctx.db.execute(
            select(Flow.id).where(in_workspace(Flow, ctx.org.id), Flow.uuid == flow_uuid, Flow.is_active)
        )
    ).scalar_one_or_none()


async def _get(ctx: Ctx, uuid: str) -> Trigger:
    trigger = (
        await ctx.db.execute(
            select(Trigger).where(
                in_workspace(Trigger, ctx.org.id),
                Trigger.uuid == uuid,
                Trigger.is_active,
                Trigger.trigger_type == "S",
            )
        )
    ).scalar_one_or_none()
    if trigger is None:
        raise HTTPException(status_code=404, detail="No such schedule trigger.")
    return trigger


async def _linked_uuids(ctx: Ctx, table: Any, trigger_id: int) -> list[str]:
    return list(
        (
            await ctx.db.execute(
                select(ContactGroup.uuid)
                .join(table, table.c.group_id == ContactGroup.id)
                .where(table.c.trigger_id == trigger_id)
            )
        ).scalars()
    )


async def _render(
    request: Request,
    ctx: Ctx,
    trigger: Trigger,
    form: TriggerInput,
    error: str | None = None,
    status: int = 200,
) -> Response:
    flows = (
        await ctx.db.execute(
            select(Flow)
            .where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.is_archived.is_(False))
            .order_by(Flow.name)
        )
    ).scalars()
    groups = (
        await ctx.db.execute(
            select(ContactGroup)
            .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
            .order_by(ContactGroup.name)
        )
    ).scalars()
    tz = ctx.org.timezone
    return render(
        request,
        "trigger_update.html",
        {
            "ctx": ctx,
            "trigger": trigger,
            "description": describe(trigger.schedule, tz),
            "next_fire": next_fire_local(trigger.schedule, tz),
            "form": form,
            "form_error": error,
            "flows": list(flows),
            "groups": list(groups),
            "saved": request.query_params.get("saved"),
            **schedule_context(ctx),
        },
        status,
    )


@router.get("/trigger/update/{uuid}/")
async def trigger_update_page(request: Request, ctx: CtxDep, uuid: str) -> Response:
    ctx.require("trigger_edit")
    trigger = await _get(ctx, uuid)
    flow_uuid = (await ctx.db.execute(select(Flow.uuid).where(Flow.id == trigger.flow_id))).scalar_one()
    form = TriggerInput(
        trigger_type="S",
        flow=flow_uuid,
        groups=await _linked_uuids(ctx, trigger_groups, trigger.id),
        exclude_groups=await _linked_uuids(ctx, trigger_exclude_groups, trigger.id),
        schedule=ScheduleInput.from_schedule(trigger.schedule or {}, ctx.org.timezone),
    )
    return await _render(request, ctx, trigger, form)


@router.post("/trigger/update/{uuid}/", dependencies=[Csrf])
async def trigger_update(
    request: Request,
    ctx: CtxDep,
    uuid: str,
    flow: Annotated[str, Form()] = "",
    groups: Annotated[list[str] | None, Form()] = None,
    exclude_groups: Annotated[list[str] | None, Form()] = None,
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    repeat_period: Annotated[str, Form()] = "O",
    repeat_days_of_week: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx.require("trigger_edit")
    trigger = await _get(ctx, uuid)
    form = TriggerInput("S", flow, groups=groups or [], exclude_groups=exclude_groups or [],
                        schedule=ScheduleInput(start_date, start_time, repeat_period, repeat_days_of_week or []))  # fmt: skip
    flow_id = await _flow_id(ctx, flow)
    try:
        if flow_id is None:
            raise ScheduleError("flow", "Flow: choose a flow.")
        checked = await check_schedule_trigger(ctx, form)
    except ScheduleError as e:
        return await _render(request, ctx, trigger, form, error=str(e), status=400)
    trigger.flow_id = flow_id
    trigger.schedule = checked.schedule
    await save_groups(ctx.db, trigger.id, checked)
    await ctx.db.commit()
    return RedirectResponse(f"/trigger/update/{trigger.uuid}/?saved=1", status_code=303)
