"""Triggers: the list by type, a keyword trigger form, archive. (Schedules, missed calls, new
conversations and catch-alls are listed; the form creates all but schedules.)"""

import uuid as uuidlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select, update
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Channel, Flow, Trigger
from upesi.db.ops.flows import add_keyword_trigger
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
TRIGGER_TYPES = {"K": "Keyword", "C": "Catch all", "M": "Missed call", "N": "New conversation", "R": "Referral",
                 "V": "Inbound call", "S": "Schedule", "O": "Opt-in", "T": "Ticket closed"}  # fmt: skip
MATCH_TYPES = {"F": "starts with", "O": "only word"}


@router.get("/trigger/")
@router.get("/trigger/archived/")
async def trigger_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("trigger_read")
    archived = request.url.path.endswith("/archived/")
    rows = (
        await ctx.db.execute(
            select(Trigger, Flow.name, Flow.uuid, Channel.name)
            .join(Flow, Flow.id == Trigger.flow_id)
            .outerjoin(Channel, Channel.id == Trigger.channel_id)
            .where(Trigger.org_id == ctx.org.id, Trigger.is_active, Trigger.is_archived.is_(archived))
            .order_by(Trigger.trigger_type, Trigger.id)
        )
    ).all()
    flows = (
        (
            await ctx.db.execute(
                select(Flow)
                .where(Flow.org_id == ctx.org.id, Flow.is_active, Flow.is_archived.is_(False))
                .order_by(Flow.name)
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
            "rows": rows,
            "types": TRIGGER_TYPES,
            "matches": MATCH_TYPES,
            "flows": flows,
            "archived": archived,
            "error": request.query_params.get("error"),
        },
    )


@router.post("/trigger/create/", dependencies=[Csrf])
async def trigger_create(
    ctx: CtxDep,
    flow: Annotated[str, Form()],
    trigger_type: Annotated[str, Form()] = "K",
    keyword: Annotated[str, Form()] = "",
    match_type: Annotated[str, Form()] = "F",
) -> Response:
    ctx.require("trigger_edit")
    flow_id = (
        await ctx.db.execute(select(Flow.id).where(Flow.org_id == ctx.org.id, Flow.uuid == flow))
    ).scalar_one_or_none()
    if flow_id is None:
        return RedirectResponse("/trigger/?error=Choose a flow", status_code=303)
    if trigger_type == "K":
        word = keyword.strip().lower()
        if not word or " " in word or len(word) > 16:
            return RedirectResponse(
                "/trigger/?error=A keyword is one word of at most 16 characters", status_code=303
            )
        await add_keyword_trigger(
            ctx.db, ctx.org.id, flow_id, [word], match_type="O" if match_type == "O" else "F"
        )
    elif trigger_type in ("C", "M", "N"):  # catch-all, missed call, new conversation: just a flow
        ctx.db.add(
            Trigger(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, trigger_type=trigger_type, flow_id=flow_id)
        )
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
        .where(Trigger.org_id == ctx.org.id, Trigger.uuid.in_(triggers))
        .values(is_archived=(action == "archive"))
    )
    await ctx.db.commit()
    return RedirectResponse("/trigger/", status_code=303)
