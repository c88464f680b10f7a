"""Starting a flow for groups or contacts from the UI, and the progress of a start.

A start is a flow_starts row (+ groups/contacts) and a `start_flow` task on the batch queue; mailroom
runs it and updates status / contact_count / contacts_done, which the progress bar polls."""

from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy import select
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.db.models import ContactGroup, FlowStart
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError
from upesi.domain.flow_starts import create_flow_start, queue_flow_start
from web.ui.auth import Csrf, CtxDep
from web.ui.editor.common import get_flow

router = APIRouter()
START_STATUSES = {
    "P": "pending",
    "Q": "queued",
    "S": "started",
    "C": "completed",
    "F": "failed",
    "I": "interrupted",
}


@router.post("/flow/broadcast/{flow_uuid}/", dependencies=[Csrf])
async def start_flow(
    ctx: CtxDep,
    flow_uuid: str,
    groups: Annotated[list[str], Form()],
    restart_participants: Annotated[bool, Form()] = False,
) -> Response:
    ctx.require("flow_edit")
    flow = await get_flow(ctx, flow_uuid)
    group_ids = list(
        (
            await ctx.db.execute(
                select(ContactGroup.id).where(
                    in_workspace(ContactGroup, ctx.org.id), ContactGroup.uuid.in_(groups)
                )
            )
        ).scalars()
    )
    try:
        start = await create_flow_start(
            ctx.db, org=ctx.org, flow=flow, start_type="M", created_by_id=ctx.user.id, group_ids=group_ids,
            restart_participants=restart_participants,
        )  # fmt: skip
    except DomainError as e:
        return JSONResponse({"error": e.message}, status_code=400)
    await ctx.db.commit()  # before the task: mailroom must find the start when it pops it
    await queue_flow_start(org=ctx.org, start=start)
    return RedirectResponse(f"/flow/results/{flow.uuid}/?start={start.uuid}", status_code=303)


@router.get("/flow/start_status/{start_uuid}/")
async def start_status(ctx: CtxDep, start_uuid: str) -> JSONResponse:
    ctx.require("flow_read")
    start = (
        await ctx.db.execute(
            select(FlowStart).where(in_workspace(FlowStart, ctx.org.id), FlowStart.uuid == start_uuid)
        )
    ).scalar_one_or_none()
    if start is None:
        return JSONResponse({"detail": "No such start"}, status_code=404)
    total = start.contact_count
    done = start.contacts_done
    progress = 100 if start.status == "C" else (round(100 * done / total) if total else 0)
    return JSONResponse(
        {
            "uuid": start.uuid,
            "status": START_STATUSES.get(start.status, start.status),
            "contact_count": total,
            "contacts_done": done,
            "progress": progress,
        }
    )
