"""Message folders as RapidPro has them: inbox, flows, outbox, sent, failed; with labels."""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import and_, func, select, true
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Broadcast, Contact, ContactGroup, ContactURN, Msg
from upesi.db.models.labels import Label, msg_labels
from upesi.db.scoping import in_workspace
from web.ui.auth import Ctx, CtxDep
from web.ui.render import render
from web.ui.scheduled_broadcasts import SCHEDULE_PERMISSION, schedule_context
from web.ui.send_form import SendInput, contact_choices

router = APIRouter()
PAGE_SIZE = 50
STATUS_NAMES = {"P": "pending", "I": "initializing", "Q": "queued", "W": "wired", "S": "sent", "D": "delivered",
                "R": "read", "H": "handled", "E": "errored", "F": "failed"}  # fmt: skip

# folder → (title, conditions); visibility V keeps archived/deleted messages out
FOLDERS: dict[str, tuple[str, list[Any]]] = {
    "inbox": ("Inbox", [Msg.direction == "I", Msg.flow_id.is_(None)]),
    "flow": ("Flows", [Msg.direction == "I", Msg.flow_id.is_not(None)]),
    "outbox": ("Outbox", [Msg.direction == "O", Msg.status.in_(("P", "I", "Q", "E"))]),
    "sent": ("Sent", [Msg.direction == "O", Msg.status.in_(("W", "S", "D", "R"))]),
    "failed": ("Failed", [Msg.direction == "O", Msg.status == "F"]),
}


@router.get("/msg/")
async def msg_home() -> Response:
    return RedirectResponse("/msg/inbox/", status_code=303)


@router.get("/msg/{folder}/")
async def msg_folder(request: Request, ctx: CtxDep, folder: str, page: int = 1, label: str = "") -> Response:
    ctx.require("msg_read")
    return await render_folder(request, ctx, folder, page, label)


async def render_folder(
    request: Request,
    ctx: Ctx,
    folder: str,
    page: int = 1,
    label: str = "",
    form: SendInput | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    """A folder; with a refused send form, the form shown again (open) with its error and what was typed."""
    if folder not in FOLDERS and folder != "label":
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such folder"}, 404)
    where: list[Any] = [in_workspace(Msg, ctx.org.id), Msg.visibility == "V"]
    title = FOLDERS.get(folder, ("Label", []))[0]
    if folder == "label":
        lab = (
            await ctx.db.execute(select(Label).where(in_workspace(Label, ctx.org.id), Label.uuid == label))
        ).scalar_one_or_none()
        if lab is None:
            return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such label"}, 404)
        title = lab.name
        where.append(Msg.id.in_(select(msg_labels.c.msg_id).where(msg_labels.c.label_id == lab.id)))
    else:
        where += FOLDERS[folder][1]
    # every folder's count in one pass over the workspace's messages
    names = list(FOLDERS)
    totals = (
        await ctx.db.execute(
            select(*(func.count().filter(and_(true(), *FOLDERS[name][1])) for name in names))
            .select_from(Msg)
            .where(in_workspace(Msg, ctx.org.id), Msg.visibility == "V")
        )
    ).one()
    counts = dict(zip(names, totals, strict=True))
    urn = (
        select(ContactURN.identity)
        .where(ContactURN.contact_id == Contact.id)
        .order_by(ContactURN.priority.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = (
        await ctx.db.execute(
            select(Msg, Contact.uuid, Contact.name, urn)
            .join(Contact, Contact.id == Msg.contact_id)
            .where(*where)
            .order_by(Msg.id.desc())
            .offset((max(page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
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
    labels = (
        (
            await ctx.db.execute(
                select(Label).where(in_workspace(Label, ctx.org.id), Label.is_active).order_by(Label.name)
            )
        )
        .scalars()
        .all()
    )
    scheduled_count = (
        await ctx.db.execute(
            select(func.count())
            .select_from(Broadcast)
            .where(in_workspace(Broadcast, ctx.org.id), Broadcast.is_active, Broadcast.schedule.is_not(None))
        )
    ).scalar_one()
    return render(
        request,
        "msgs/folder.html",
        {
            "ctx": ctx,
            "folder": folder,
            "title": title,
            "rows": rows,
            "counts": counts,
            "folders": FOLDERS,
            "labels": labels,
            "statuses": STATUS_NAMES,
            "page": page,
            "label": label,
            "groups": groups,
            "scheduled_count": scheduled_count,
            "form": form or SendInput(),
            "chosen_contacts": await contact_choices(ctx, form.contacts) if form else [],
            "form_error": form_error,
            "can_schedule": ctx.can(SCHEDULE_PERMISSION),
            **schedule_context(ctx),
        },
        status,
    )
