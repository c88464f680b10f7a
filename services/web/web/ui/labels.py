"""Message labels: create one, and label (or unlabel) the messages chosen in a folder."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Msg
from upesi.db.models.labels import Label, msg_labels
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError
from upesi.domain.labels import create_label
from web.ui.auth import Csrf, CtxDep

router = APIRouter()


@router.post("/msg/label/", dependencies=[Csrf])
async def label_messages(
    ctx: CtxDep,
    folder: Annotated[str, Form()] = "inbox",
    msgs: Annotated[list[str] | None, Form()] = None,
    label: Annotated[str, Form()] = "",
    new_label: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "label",
) -> Response:
    ctx.require("msg_send")
    back = f"/msg/{folder}/" if folder.isalpha() else "/msg/inbox/"
    target = None
    if new_label.strip():
        try:
            target = await create_label(ctx.db, org=ctx.org, name=new_label)
        except DomainError as e:
            return RedirectResponse(
                f"{back}?{urlencode({'error': f'New label: {e.message}'})}", status_code=303
            )
    elif label:
        target = (
            await ctx.db.execute(select(Label).where(in_workspace(Label, ctx.org.id), Label.uuid == label))
        ).scalar_one_or_none()
    if target is None:
        return RedirectResponse(f"{back}?error=Choose a label", status_code=303)
    ids = list(
        (
            await ctx.db.execute(
                select(Msg.id).where(in_workspace(Msg, ctx.org.id), Msg.uuid.in_(msgs or []))
            )
        ).scalars()
    )
    if ids and action == "unlabel":
        await ctx.db.execute(
            delete(msg_labels).where(msg_labels.c.label_id == target.id, msg_labels.c.msg_id.in_(ids))
        )
    elif ids:
        await ctx.db.execute(
            insert(msg_labels)
            .values([{"label_id": target.id, "msg_id": i} for i in ids])
            .on_conflict_do_nothing()
        )
    await ctx.db.commit()
    return RedirectResponse(back, status_code=303)
