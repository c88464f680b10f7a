"""Sending a message to groups, phone numbers and/or a contact query from the Messages page, now or on a
schedule (as RapidPro's Send dialog). Now: a broadcast row and a `send_broadcast` task on the batch
queue, which mailroom resolves and sends. Later: a broadcast row with a `schedule`, which mailroom's
fire_schedules cron copies and sends each time it is due (see web.ui.scheduled_broadcasts for the list)."""

import uuid as uuidlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Broadcast
from upesi.queues.committed import push_committed
from upesi.queues.tasks import SendBroadcast
from web.ui import msgs, scheduled_broadcasts
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.schedule_form import ScheduleError, ScheduleInput, build_schedule
from web.ui.send_form import (
    FieldError,
    Recipients,
    SendInput,
    checked_text,
    resolve_recipients,
    save_recipients,
)

router = APIRouter()


@router.post("/msg/send/", dependencies=[Csrf])
async def send(
    request: Request,
    ctx: CtxDep,
    text: Annotated[str, Form()] = "",
    groups: Annotated[list[str] | None, Form()] = None,
    contacts: Annotated[list[str] | None, Form()] = None,
    urns: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    send_when: Annotated[str, Form()] = "now",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    repeat_period: Annotated[str, Form()] = "O",
    repeat_days_of_week: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx.require("msg_send")
    later = send_when == "later"
    if later:
        ctx.require(scheduled_broadcasts.SCHEDULE_PERMISSION)
    form = SendInput(text, groups or [], contacts or [], urns, query, "later" if later else "now",
                     ScheduleInput(start_date, start_time, repeat_period, repeat_days_of_week or []))  # fmt: skip
    try:
        body = checked_text(text)
        recipients = await resolve_recipients(ctx, form)
        schedule = build_schedule(form.schedule, ctx.org.timezone) if later else None
    except (FieldError, ScheduleError) as e:
        if later:
            return await scheduled_broadcasts.render_list(request, ctx, form=form, error=str(e), status=400)
        return await msgs.render_folder(request, ctx, "outbox", form=form, form_error=str(e), status=400)
    bcast = await send_broadcast(ctx, body, recipients, schedule)
    if schedule is not None:  # the fire_schedules cron sends it when due; no task now
        return RedirectResponse(f"/broadcast/scheduled/?created={bcast.uuid}", status_code=303)
    return RedirectResponse("/msg/outbox/?sent=1", status_code=303)


async def send_broadcast(
    ctx: Ctx, body: str, recipients: Recipients, schedule: dict[str, Any] | None = None
) -> Broadcast:
    """The UI's one way to send: a broadcast row with its recipients, committed, then (unless scheduled) a
    `send_broadcast` task for mailroom. The Send dialog and a ticket's reply both come through here."""
    language = (ctx.org.languages or ["eng"])[0]
    bcast = Broadcast(
        uuid=str(uuidlib.uuid4()),
        org_id=ctx.org.id,
        translations={language: {"text": body}},
        base_language=language,
        urns=recipients.urns,
        query=recipients.query,
        schedule=schedule,
        created_by_id=ctx.user.id,
    )
    ctx.db.add(bcast)
    await ctx.db.flush()
    await save_recipients(ctx.db, bcast.id, recipients)
    await ctx.db.commit()  # before the task: mailroom must find the broadcast
    if schedule is None:
        await push_committed(ctx.org.id, SendBroadcast(broadcast_id=bcast.id))
    return bcast


router.include_router(scheduled_broadcasts.router)
