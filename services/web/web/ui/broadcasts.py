"""Sending a message to groups and/or phone numbers from the Messages page: a broadcast row and a
`send_broadcast` task on the batch queue, which mailroom resolves and sends (as RapidPro's Send dialog)."""

import uuid as uuidlib
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy import insert, select
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Broadcast, ContactGroup
from upesi.db.models.msgs import broadcast_groups
from upesi.queues.fair import FairQueue
from upesi.queues.redis import get_redis
from upesi.urns import URNError, parse_urn
from web.ui.auth import Csrf, CtxDep

router = APIRouter()


@router.post("/msg/send/", dependencies=[Csrf])
async def send(
    ctx: CtxDep,
    text: Annotated[str, Form()],
    groups: Annotated[list[str] | None, Form()] = None,
    urns: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("msg_send")
    text = text.strip()
    if not text:
        return RedirectResponse("/msg/outbox/?error=Write a message", status_code=303)
    parsed: list[str] = []
    for raw in (u.strip() for u in urns.replace("\n", ",").split(",")):
        if raw:
            try:
                parsed.append(
                    parse_urn(raw if ":" in raw else f"tel:{raw}", country=ctx.org.country).identity
                )
            except (URNError, ValueError) as e:
                return RedirectResponse(f"/msg/outbox/?error={e}", status_code=303)
    group_ids = list(
        (
            await ctx.db.execute(
                select(ContactGroup.id).where(
                    ContactGroup.org_id == ctx.org.id, ContactGroup.uuid.in_(groups or [])
                )
            )
        ).scalars()
    )
    if not group_ids and not parsed:
        return RedirectResponse("/msg/outbox/?error=Choose groups or enter phone numbers", status_code=303)
    language = (ctx.org.languages or ["eng"])[0]
    bcast = Broadcast(
        uuid=str(uuidlib.uuid4()),
        org_id=ctx.org.id,
        translations={language: {"text": text}},
        base_language=language,
        urns=parsed,
        created_by_id=ctx.user.id,
    )
    ctx.db.add(bcast)
    await ctx.db.flush()
    if group_ids:
        await ctx.db.execute(
            insert(broadcast_groups), [{"broadcast_id": bcast.id, "group_id": g} for g in group_ids]
        )
    await ctx.db.commit()  # before the task: mailroom must find the broadcast
    await FairQueue(get_redis(), "tasks:batch").push(ctx.org.id, "send_broadcast", {"broadcast_id": bcast.id})
    return RedirectResponse("/msg/outbox/?sent=1", status_code=303)
