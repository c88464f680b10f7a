"""Scheduled broadcasts (RapidPro's /broadcast/scheduled/): the list with each one's repeat and next fire,
a page to view one and edit its message and schedule, and delete.

A scheduled broadcast is never sent itself: mailroom's fire_schedules cron sends a copy each time its
`next_fire` comes, and moves `next_fire` on (null once a one-off has fired). Deleting deactivates it, which
the cron respects."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Broadcast, Contact, ContactGroup, User
from upesi.db.models.msgs import broadcast_contacts, broadcast_groups
from upesi.db.scoping import in_workspace
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.render import render
from web.ui.schedule_form import (
    DAY_NAMES,
    REPEATS,
    ScheduleError,
    ScheduleInput,
    build_schedule,
    describe,
    next_fire_local,
)
from web.ui.send_form import (
    FieldError,
    SendInput,
    checked_text,
    contact_choices,
    resolve_recipients,
    save_recipients,
)

router = APIRouter()
# scheduling acts later without anyone pressing send, like a trigger: RapidPro keeps it from agents, and so
# do we, by the permission that guards triggers (administrators and editors)
SCHEDULE_PERMISSION = "trigger_edit"


@dataclass
class ScheduledRow:
    bcast: Broadcast
    text: str
    groups: list[dict[str, str]]
    contacts: list[dict[str, str]]
    created_by: str
    description: str
    next_fire: str


def schedule_context(ctx: Ctx) -> dict[str, Any]:
    """What templates/schedule_fields.html needs."""
    return {"repeats": REPEATS, "day_names": DAY_NAMES, "tz": ctx.org.timezone}


async def _groups(ctx: Ctx) -> list[ContactGroup]:
    return list(
        (
            await ctx.db.execute(
                select(ContactGroup)
                .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
                .order_by(ContactGroup.name)
            )
        ).scalars()
    )


def base_text(bcast: Broadcast) -> str:
    """The message in the broadcast's base language (or its first translation)."""
    translations: dict[str, dict[str, Any]] = bcast.translations or {}
    chosen = translations.get(bcast.base_language) or next(iter(translations.values()), {})
    return str(chosen.get("text") or "")


async def _linked(ctx: Ctx, column: Any, model: Any, ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """{broadcast id: [{uuid, name}]} of the groups or contacts linked through `column`'s table."""
    table = column.table
    out: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    for bid, uuid, name in await ctx.db.execute(
        select(table.c.broadcast_id, model.uuid, model.name)
        .join(model, model.id == column)
        .where(table.c.broadcast_id.in_(ids))
        .order_by(model.name)
    ):
        out[bid].append({"uuid": uuid, "name": name or uuid})
    return out


async def _rows(ctx: Ctx, broadcasts: list[Broadcast]) -> list[ScheduledRow]:
    """Each broadcast with its groups, contacts and author, in three queries for the whole page."""
    ids = [b.id for b in broadcasts]
    groups = await _linked(ctx, broadcast_groups.c.group_id, ContactGroup, ids)
    contacts = await _linked(ctx, broadcast_contacts.c.contact_id, Contact, ids)
    user_ids = {b.created_by_id for b in broadcasts if b.created_by_id}
    users = {
        u.id: u.email for u in (await ctx.db.execute(select(User).where(User.id.in_(user_ids)))).scalars()
    }
    tz = ctx.org.timezone
    return [
        ScheduledRow(
            bcast=b,
            text=base_text(b),
            groups=groups[b.id],
            contacts=contacts[b.id],
            created_by=users.get(b.created_by_id or 0, ""),
            description=describe(b.schedule, tz),
            next_fire=next_fire_local(b.schedule, tz),
        )
        for b in broadcasts
    ]


async def render_list(
    request: Request, ctx: Ctx, form: SendInput | None = None, error: str | None = None, status: int = 200
) -> Response:
    """The list; with a refused form, the form shown again (open) with its error and what was typed."""
    broadcasts = list(
        (
            await ctx.db.execute(
                select(Broadcast)
                .where(
                    in_workspace(Broadcast, ctx.org.id), Broadcast.is_active, Broadcast.schedule.is_not(None)
                )
                .order_by(Broadcast.id.desc())
                .limit(500)
            )
        ).scalars()
    )
    return render(
        request,
        "msgs/scheduled.html",
        {
            "ctx": ctx,
            "rows": await _rows(ctx, broadcasts),
            "groups": await _groups(ctx),
            "form": form or SendInput(send_when="later"),
            "chosen_contacts": await contact_choices(ctx, form.contacts) if form else [],
            "form_error": error,
            "created": request.query_params.get("created"),
            "can_schedule": ctx.can(SCHEDULE_PERMISSION),
            **schedule_context(ctx),
        },
        status,
    )


@router.get("/broadcast/scheduled/")
async def scheduled_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("msg_read")
    return await render_list(request, ctx)


async def _get(ctx: Ctx, uuid: str) -> Broadcast:
    bcast = (
        await ctx.db.execute(
            select(Broadcast).where(
                in_workspace(Broadcast, ctx.org.id),
                Broadcast.uuid == uuid,
                Broadcast.is_active,
                Broadcast.schedule.is_not(None),
            )
        )
    ).scalar_one_or_none()
    if bcast is None:
        raise HTTPException(status_code=404, detail="No such scheduled broadcast.")
    return bcast


async def _render_read(
    request: Request, ctx: Ctx, bcast: Broadcast, form: SendInput, error: str | None = None, status: int = 200
) -> Response:
    (row,) = await _rows(ctx, [bcast])
    return render(
        request,
        "msgs/scheduled_read.html",
        {
            "ctx": ctx,
            "row": row,
            "form": form,
            "chosen_contacts": await contact_choices(ctx, form.contacts),
            "form_error": error,
            "groups": await _groups(ctx),
            "can_schedule": ctx.can(SCHEDULE_PERMISSION),
            "saved": request.query_params.get("saved"),
            **schedule_context(ctx),
        },
        status,
    )


@router.get("/broadcast/scheduled_read/{uuid}/")
async def scheduled_read(request: Request, ctx: CtxDep, uuid: str) -> Response:
    ctx.require("msg_read")
    bcast = await _get(ctx, uuid)
    (row,) = await _rows(ctx, [bcast])
    form = SendInput(
        text=row.text,
        groups=[g["uuid"] for g in row.groups],
        contacts=[c["uuid"] for c in row.contacts],
        urns=", ".join(bcast.urns or []),
        query=bcast.query or "",
        send_when="later",
        schedule=ScheduleInput.from_schedule(bcast.schedule or {}, ctx.org.timezone),
    )
    return await _render_read(request, ctx, bcast, form)


@router.post("/broadcast/scheduled_update/{uuid}/", dependencies=[Csrf])
async def scheduled_update(
    request: Request,
    ctx: CtxDep,
    uuid: str,
    text: Annotated[str, Form()] = "",
    groups: Annotated[list[str] | None, Form()] = None,
    contacts: Annotated[list[str] | None, Form()] = None,
    urns: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    repeat_period: Annotated[str, Form()] = "O",
    repeat_days_of_week: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx.require(SCHEDULE_PERMISSION)
    bcast = await _get(ctx, uuid)
    form = SendInput(text, groups or [], contacts or [], urns, query, "later",
                     ScheduleInput(start_date, start_time, repeat_period, repeat_days_of_week or []))  # fmt: skip
    try:
        body = checked_text(text)
        recipients = await resolve_recipients(ctx, form)
        schedule = build_schedule(form.schedule, ctx.org.timezone)
    except (FieldError, ScheduleError) as e:
        return await _render_read(request, ctx, bcast, form, error=str(e), status=400)
    language = bcast.base_language
    bcast.translations = dict(
        bcast.translations, **{language: dict(bcast.translations.get(language, {}), text=body)}
    )
    bcast.urns = recipients.urns
    bcast.query = recipients.query
    bcast.schedule = schedule
    await save_recipients(ctx.db, bcast.id, recipients)
    await ctx.db.commit()
    return RedirectResponse(f"/broadcast/scheduled_read/{bcast.uuid}/?saved=1", status_code=303)


@router.post("/broadcast/scheduled_delete/{uuid}/", dependencies=[Csrf])
async def scheduled_delete(ctx: CtxDep, uuid: str) -> Response:
    ctx.require(SCHEDULE_PERMISSION)
    bcast = await _get(ctx, uuid)
    bcast.is_active = False
    await ctx.db.commit()
    return RedirectResponse("/broadcast/scheduled/?deleted=1", status_code=303)
