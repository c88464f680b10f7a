"""Bulk actions on the contact list (RapidPro's): add to or remove from a group, block, archive, restore,
delete, send a message and start a flow, on the contacts ticked or on every contact matching the list's
search, through the same domain functions as API v2's contact_actions, broadcasts and flow starts.

Ticked contacts (a page at most) are done in the request. "All N matching": a message or a flow start
carries the list's contact query, which mailroom resolves in the background (the flow's results page shows
the start's progress); the other actions run as a background job with a progress page
(web.ui.contact_bulk_jobs). Nothing reads every matching id into memory."""

import uuid as uuidlib
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.contactql import QueryError, load_resolver, parse_query, to_sql
from upesi.db.models import Contact, ContactGroup, Flow
from upesi.db.scoping import in_workspace
from upesi.domain.contact_actions import apply_action, check_action
from upesi.domain.errors import DomainError
from upesi.domain.flow_starts import create_flow_start, queue_flow_start
from web.mailroom_tasks import contacts_changed, interrupt_contacts
from web.ui import contact_bulk_jobs
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.broadcasts import send_broadcast
from web.ui.contacts import list_filter
from web.ui.render import render
from web.ui.send_form import FieldError, Recipients, checked_text

router = APIRouter()
BATCH = 1000  # ids per statement
# what the bulk bar offers: the contact actions (domain.contact_actions) and the two that send
CONTACT_ACTIONS = ("add", "remove", "block", "archive", "restore", "delete")
SENDING_ACTIONS = ("send", "start")
UI_ACTIONS = CONTACT_ACTIONS + SENDING_ACTIONS
FOLDER_PATHS = ("/contact/", "/contact/blocked/", "/contact/stopped/", "/contact/archived/")


def _back(path: str, search: str, group: str, **extra: str) -> RedirectResponse:
    query = {k: v for k, v in {"search": search, "group": group, **extra}.items() if v}
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _list_where(ctx: Ctx, status: str, search: str, group_id: int | None) -> list[Any]:
    """The conditions selecting every contact the list shows (all its pages). Raises QueryError."""
    where = list_filter(ctx.org.id, status, group_id)
    if search.strip():
        where.append(to_sql(parse_query(search, await load_resolver(ctx.db, ctx.org.id)), ctx.org.id))
    return where


async def _list_query(ctx: Ctx, search: str, group: ContactGroup | None) -> str:
    """The active list as one contact query, for mailroom to resolve (a broadcast's or a start's)."""
    parts = []
    if search.strip():
        parts.append("(" + parse_query(search, await load_resolver(ctx.db, ctx.org.id)).normalized + ")")
    if group is not None:
        parts.append(f"group = {_quoted(group.uuid)}")
    parts.append('status = "active"')
    return parse_query(" AND ".join(parts), await load_resolver(ctx.db, ctx.org.id)).normalized


@router.post("/contact/bulk/", dependencies=[Csrf])
async def bulk(
    ctx: CtxDep,
    action: Annotated[str, Form()],
    folder: Annotated[str, Form()] = "/contact/",
    status: Annotated[str, Form()] = "A",
    search: Annotated[str, Form()] = "",
    group: Annotated[str, Form()] = "",
    target_group: Annotated[str, Form()] = "",
    contacts: Annotated[list[str] | None, Form()] = None,
    all_matching: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    flow: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("contact_edit")
    if folder not in FOLDER_PATHS:
        folder = "/contact/"
    if action not in UI_ACTIONS:
        return _back(folder, search, group, error=f"Unknown action {action!r}")
    if action in SENDING_ACTIONS and status != "A":
        return _back(
            folder, search, group, error="Only active contacts can be sent messages or started in flows"
        )
    groups = {
        g.uuid: g
        for g in (
            await ctx.db.execute(
                select(ContactGroup).where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
            )
        ).scalars()
    }
    shown_group = groups.get(group)
    target = groups.get(target_group or group) if action in ("add", "remove") else None
    if action in ("add", "remove") and target is None:
        return _back(folder, search, group, error="Choose a group")
    if all_matching:
        try:
            if action in SENDING_ACTIONS:
                return await _send_or_start(ctx, action, text, flow, [], await _list_query(ctx, search, shown_group),
                                            folder, search, group)  # fmt: skip
            where = await _list_where(ctx, status, search, shown_group.id if shown_group else None)
        except (QueryError, ValueError) as e:
            return _back(folder, search, group, error=str(e))
        total = await contact_bulk_jobs.count_matching(ctx.db, where)
        if not total:
            return _back(folder, search, group, error="Select some contacts first")
        back = folder + ("?" + urlencode({k: v for k, v in {"search": search, "group": group}.items() if v}))
        job = await contact_bulk_jobs.start_job(
            ctx.org.id, action, where, total, target.id if target else None, back
        )
        return RedirectResponse(f"/contact/bulk/{job}/", status_code=303)
    uuids = [u for u in contacts or [] if _is_uuid(u)]
    ids = list(
        (
            await ctx.db.execute(
                select(Contact.id).where(
                    in_workspace(Contact, ctx.org.id), Contact.is_active, Contact.uuid.in_(uuids)
                )
            )
        ).scalars()
    )
    if not ids:
        return _back(folder, search, group, error="Select some contacts first")
    if action in SENDING_ACTIONS:
        return await _send_or_start(ctx, action, text, flow, ids, None, folder, search, group)
    rows = (
        await ctx.db.execute(select(Contact.id, Contact.uuid, Contact.status).where(Contact.id.in_(ids)))
    ).all()
    try:
        check_action(action, target, {r.id: r.status for r in rows}, {r.id: str(r.uuid) for r in rows})
    except DomainError as e:
        return _back(folder, search, group, error=e.message)
    interrupt_ids: list[int] = []
    changed_ids: list[int] = []
    for start in range(0, len(ids), BATCH):
        outcome = await apply_action(
            ctx.db, org_id=ctx.org.id, action=action, contact_ids=ids[start : start + BATCH], group=target
        )
        interrupt_ids += outcome.interrupt_ids
        changed_ids += outcome.changed_ids
    await ctx.db.commit()
    await interrupt_contacts(ctx.org.id, interrupt_ids)
    await contacts_changed(ctx.org.id, changed_ids)
    done = f"{len(ids)} contact{'' if len(ids) == 1 else 's'}: {action} done"
    return _back(folder, search, group, done=quote(done, safe=" :"))


async def _send_or_start(
    ctx: Ctx, action: str, text: str, flow_uuid: str, ids: list[int], query: str | None,
    folder: str, search: str, group: str,
) -> Response:  # fmt: skip
    """A broadcast or a flow start to the ticked contacts or to the list's query (mailroom resolves it)."""
    if action == "send":
        return await _send(ctx, text, ids, query, folder, search, group)
    if action == "start":
        return await _start(ctx, flow_uuid, ids, query, folder, search, group)
    raise ValueError(f"not a sending action: {action!r}")  # SENDING_ACTIONS lists the two above


async def _send(
    ctx: Ctx, text: str, ids: list[int], query: str | None, folder: str, search: str, group: str
) -> Response:
    ctx.require("msg_send")
    try:
        body = checked_text(text)
    except FieldError as e:
        return _back(folder, search, group, error=str(e))
    await send_broadcast(ctx, body, Recipients([], ids, [], query))
    who = f"{len(ids)} contact{'' if len(ids) == 1 else 's'}" if ids else "every contact in this list"
    return _back(folder, search, group, done=f"Your message is on its way to {who}.")


async def _start(
    ctx: Ctx, flow_uuid: str, ids: list[int], query: str | None, folder: str, search: str, group: str
) -> Response:
    ctx.require("flow_edit")
    chosen = (
        await ctx.db.execute(
            select(Flow).where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.uuid == flow_uuid)
        )
    ).scalar_one_or_none() if _is_uuid(flow_uuid) else None  # fmt: skip
    if chosen is None:
        return _back(folder, search, group, error="Choose a flow to start")
    try:
        started = await create_flow_start(
            ctx.db,
            org=ctx.org,
            flow=chosen,
            start_type="M",
            created_by_id=ctx.user.id,
            contact_ids=ids,
            query=query,
        )
    except DomainError as e:
        await ctx.db.rollback()
        return _back(folder, search, group, error=e.message)
    flow_uuid, start_uuid = chosen.uuid, started.uuid
    await ctx.db.commit()  # before the task: mailroom must find the start when it pops it
    await queue_flow_start(org=ctx.org, start=started)
    return RedirectResponse(f"/flow/results/{flow_uuid}/?start={start_uuid}", status_code=303)


@router.get("/contact/bulk/{job_uuid}/")
async def job_page(request: Request, ctx: CtxDep, job_uuid: str) -> Response:
    ctx.require("contact_read")
    state = await contact_bulk_jobs.load_state(job_uuid, ctx.org.id)
    if state is None:
        return render(
            request, "error.html", {"ctx": ctx, "status": 404, "message": "No such bulk action"}, 404
        )
    return render(request, "contacts/bulk_job.html", {"ctx": ctx, "job": state})


@router.get("/contact/bulk/{job_uuid}/status/")
async def job_status(ctx: CtxDep, job_uuid: str) -> JSONResponse:
    ctx.require("contact_read")
    state = await contact_bulk_jobs.load_state(job_uuid, ctx.org.id)
    if state is None:
        return JSONResponse({"detail": "No such bulk action"}, status_code=404)
    return JSONResponse(
        {"status": state.status, "done": state.done, "total": state.total, "percent": state.percent,
         "error": state.error}
    )  # fmt: skip


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True
