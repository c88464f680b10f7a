"""The Tickets page as RapidPro has it: folders (My Tickets, Unassigned, All, and one per topic), open or closed,
the list of tickets by latest activity, and the selected ticket beside it with its contact's conversation. From
there: reply (sent as the Send dialog sends), assign, add a note, change the topic, close and reopen, all through
upesi.domain.tickets."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import and_, func, select, true
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Contact, ContactURN, Membership, Msg, Ticket, TicketEvent, Topic, User
from upesi.db.models.tickets import TICKET_OPEN
from upesi.db.scoping import in_workspace
from upesi.domain import tickets as domain
from upesi.domain.errors import DomainError
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.broadcasts import send_broadcast
from web.ui.render import render
from web.ui.send_form import FieldError, Recipients, checked_text

router = APIRouter()
PAGE_SIZE = 50
HISTORY = 100  # the newest messages of the conversation shown
STATUSES = {"open": "O", "closed": "C"}
ASSIGNABLE_ROLES = ("administrator", "editor", "agent")  # who RapidPro lets hold tickets
EVENT_TEXT = {
    "O": "Opened",
    "A": "Assigned",
    "N": "Note",
    "T": "Topic changed",
    "C": "Closed",
    "R": "Reopened",
}


@dataclass
class Folder:
    slug: str
    name: str
    condition: Any


def _folders(ctx: Ctx, topics: list[Topic]) -> list[Folder]:
    return [
        Folder("mine", "My Tickets", Ticket.assignee_id == ctx.user.id),
        Folder("unassigned", "Unassigned", Ticket.assignee_id.is_(None)),
        Folder("all", "All", true()),
        *(Folder(str(t.uuid), t.name, Ticket.topic_id == t.id) for t in topics),
    ]


@router.get("/ticket/")
async def ticket_home() -> Response:
    return RedirectResponse("/ticket/all/open/", status_code=303)


@router.get("/ticket/{folder}/{status}/")
async def ticket_folder(request: Request, ctx: CtxDep, folder: str, status: str, page: int = 1) -> Response:
    return await _render(request, ctx, folder, status, None, page)


@router.get("/ticket/{folder}/{status}/{ticket_uuid}/")
async def ticket_read(
    request: Request, ctx: CtxDep, folder: str, status: str, ticket_uuid: str, page: int = 1
) -> Response:
    return await _render(request, ctx, folder, status, ticket_uuid, page)


async def _render(
    request: Request, ctx: Ctx, folder: str, status: str, ticket_uuid: str | None, page: int
) -> Response:
    ctx.require("ticket_read")
    topics = list(
        (
            await ctx.db.execute(
                select(Topic)
                .where(in_workspace(Topic, ctx.org.id), Topic.is_active)
                .order_by(Topic.is_system.desc(), Topic.name)
            )
        ).scalars()
    )
    folders = _folders(ctx, topics)
    chosen = next((f for f in folders if f.slug == folder), None)
    if chosen is None or status not in STATUSES:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such folder"}, 404)
    # every folder's open count in one pass over the workspace's open tickets
    totals = (
        await ctx.db.execute(
            select(*(func.count().filter(and_(true(), f.condition)) for f in folders)).where(
                in_workspace(Ticket, ctx.org.id), Ticket.status == TICKET_OPEN
            )
        )
    ).one()
    counts = {f.slug: n for f, n in zip(folders, totals, strict=True)}
    urn = (
        select(ContactURN.identity)
        .where(ContactURN.contact_id == Contact.id)
        .order_by(ContactURN.priority.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = (
        await ctx.db.execute(
            select(Ticket, Contact.name, urn, Topic.name, User.email)
            .join(Contact, Contact.id == Ticket.contact_id)
            .join(Topic, Topic.id == Ticket.topic_id)
            .outerjoin(User, User.id == Ticket.assignee_id)
            .where(in_workspace(Ticket, ctx.org.id), Ticket.status == STATUSES[status], chosen.condition)
            .order_by(Ticket.last_activity_on.desc(), Ticket.id.desc())
            .offset((max(page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    selected = None
    if ticket_uuid is not None:
        found = await domain.tickets_by_uuid(ctx.db, org_id=ctx.org.id, uuids=[ticket_uuid])
        selected = found.get(ticket_uuid.lower())
        if selected is None:
            return render(
                request, "error.html", {"ctx": ctx, "status": 404, "message": "No such ticket"}, 404
            )
    elif rows:
        selected = rows[0][0]
    context: dict[str, Any] = {
        "ctx": ctx,
        "folders": folders,
        "folder": chosen,
        "status": status,
        "counts": counts,
        "rows": rows,
        "page": page,
        "topics": topics,
        "selected": selected,
        "can_edit": ctx.can("ticket_edit"),
        "can_reply": ctx.can("msg_send"),
    }
    if selected is not None:
        context.update(await _ticket_context(ctx, selected))
    return render(request, "tickets/list.html", context)


async def _ticket_context(ctx: Ctx, ticket: Ticket) -> dict[str, Any]:
    contact = await ctx.db.get(Contact, ticket.contact_id)
    urns = list(
        (
            await ctx.db.execute(
                select(ContactURN.identity)
                .where(ContactURN.contact_id == ticket.contact_id)
                .order_by(ContactURN.priority.desc())
            )
        ).scalars()
    )
    msgs = (
        await ctx.db.execute(
            select(Msg.created_on, Msg.direction, Msg.text, Msg.status, Msg.attachments)
            .where(in_workspace(Msg, ctx.org.id), Msg.contact_id == ticket.contact_id, Msg.visibility != "D")
            .order_by(Msg.created_on.desc(), Msg.id.desc())
            .limit(HISTORY)
        )
    ).all()
    events = (
        await ctx.db.execute(
            select(TicketEvent, User.email, Topic.name)
            .outerjoin(User, User.id == TicketEvent.assignee_id)
            .outerjoin(Topic, Topic.id == TicketEvent.topic_id)
            .where(in_workspace(TicketEvent, ctx.org.id), TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        )
    ).all()
    items: list[dict[str, Any]] = [
        {"time": m.created_on, "kind": "msg_in" if m.direction == "I" else "msg_out", "text": m.text,
         "status": m.status, "attachments": m.attachments or []}
        for m in msgs
    ]  # fmt: skip
    for e, assignee_email, topic_name in events:
        detail = {"A": assignee_email or "nobody", "N": e.note, "T": topic_name}.get(e.event_type)
        items.append({"time": e.created_on, "kind": "event", "event": e.event_type,
                      "text": EVENT_TEXT.get(e.event_type, e.event_type), "detail": detail})  # fmt: skip
    items.sort(key=lambda i: i["time"])
    assignable = (
        await ctx.db.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                in_workspace(Membership, ctx.org.id), Membership.role.in_(ASSIGNABLE_ROLES), User.is_active
            )
            .order_by(User.email)
        )
    ).all()
    return {"contact": contact, "urns": urns, "conversation": items, "assignable": assignable}


# ---- actions on one ticket, by registry: each gets the form and returns what to tell the user ----


@dataclass
class ActionForm:
    text: str
    assignee: str
    note: str
    topic: str


Action = Callable[[Ctx, Ticket, ActionForm], Awaitable[str]]


async def _reply(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    ctx.require("msg_send")
    body = checked_text(form.text)
    await domain.record_reply(ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id])
    # the Send dialog's path: a broadcast to this one contact, committed, then mailroom's send_broadcast task
    await send_broadcast(
        ctx, body, Recipients(group_ids=[], contact_ids=[ticket.contact_id], urns=[], query=None)
    )
    return "Your reply is on its way."


async def _assign(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    assignee_id: int | None = None
    if form.assignee:
        try:
            assignee_id = int(form.assignee)
        except ValueError:
            raise FieldError("assignee", "Assignee: choose a user.") from None
    changed = await domain.assign(ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id], assignee_id=assignee_id,
                                  user_id=ctx.user.id)  # fmt: skip
    return "Ticket assigned." if changed else "The ticket already had that assignee."


async def _note(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    await domain.add_note(
        ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id], note=form.note, user_id=ctx.user.id
    )
    return "Note added."


async def _topic(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    topic = await domain.find_topic(ctx.db, org_id=ctx.org.id, uuid=form.topic) if form.topic else None
    if topic is None:
        raise FieldError("topic", "Topic: choose a topic.")
    changed = await domain.change_topic(ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id], topic_id=topic.id,
                                        user_id=ctx.user.id)  # fmt: skip
    return f"Topic changed to {topic.name}." if changed else "The ticket already had that topic."


async def _close(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    changed = await domain.close(ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id], user_id=ctx.user.id)
    return "Ticket closed." if changed else "The ticket was already closed."


async def _reopen(ctx: Ctx, ticket: Ticket, form: ActionForm) -> str:
    changed = await domain.reopen(ctx.db, org_id=ctx.org.id, ticket_ids=[ticket.id], user_id=ctx.user.id)
    if not changed:
        raise FieldError(
            "action", "This ticket cannot be reopened: it is open, or its contact has another open ticket."
        )
    return "Ticket reopened."


ACTIONS: dict[str, Action] = {
    "reply": _reply,
    "assign": _assign,
    "note": _note,
    "topic": _topic,
    "close": _close,
    "reopen": _reopen,
}


@router.post("/ticket/act/{ticket_uuid}/", dependencies=[Csrf])
async def ticket_act(
    request: Request,
    ctx: CtxDep,
    ticket_uuid: str,
    action: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("ticket_edit")
    handler = ACTIONS.get(action)
    if handler is None:
        return render(
            request, "error.html", {"ctx": ctx, "status": 400, "message": f"Unknown action: {action}"}, 400
        )
    found = await domain.tickets_by_uuid(ctx.db, org_id=ctx.org.id, uuids=[ticket_uuid])
    ticket = found.get(ticket_uuid.lower())
    if ticket is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such ticket"}, 404)
    here = (
        back if back.startswith("/ticket/") and "//" not in back and "?" not in back else "/ticket/all/open/"
    )
    try:
        message = await handler(ctx, ticket, ActionForm(text, assignee, note, topic))
    except (FieldError, DomainError) as e:
        await ctx.db.rollback()
        return RedirectResponse(_with(here, error=str(e)), status_code=303)
    await ctx.db.commit()
    return RedirectResponse(_with(here, done=message), status_code=303)


def _with(url: str, **query: str) -> str:
    return f"{url}?{urlencode(query)}"
