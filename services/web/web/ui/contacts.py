"""Contacts: the list with query search (contactql) and group filters, create, and a contact's page with
its history of messages and runs."""

import uuid as uuidlib
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.contactql import QueryError, search_contacts
from upesi.db.models import (
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Flow,
    FlowRun,
    Msg,
    contact_group_contacts,
)
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.db.scoping import in_workspace
from upesi.domain.calls import contact_calls
from upesi.domain.urns import InvalidURN, typed_urn
from web.mailroom_tasks import contacts_changed
from web.ui.auth import Csrf, CtxDep
from web.ui.editor.assets import _groups
from web.ui.render import render

router = APIRouter()
PAGE_SIZE = 50


async def _urns(db: AsyncSession, contact_ids: list[int]) -> dict[int, list[str]]:
    urns: dict[int, list[str]] = {}
    rows = await db.execute(
        select(ContactURN.contact_id, ContactURN.identity)
        .where(ContactURN.contact_id.in_(contact_ids))
        .order_by(ContactURN.priority.desc())
    )
    for cid, identity in rows:
        urns.setdefault(cast(int, cid), []).append(identity)  # a detached URN (no contact) is not among these
    return urns


# RapidPro's status folders: (path, status code, label)
FOLDERS = [
    ("/contact/", "A", "Active"),
    ("/contact/blocked/", "B", "Blocked"),
    ("/contact/stopped/", "S", "Stopped"),
    ("/contact/archived/", "V", "Archived"),
]


def list_filter(org_id: int, status: str, group_id: int | None) -> list[Any]:
    """The contacts a folder (and group) of the list shows, without a search."""
    where: list[Any] = [in_workspace(Contact, org_id), Contact.is_active, Contact.status == status]
    if group_id is not None:
        members = select(contact_group_contacts.c.contact_id).where(
            contact_group_contacts.c.group_id == group_id
        )
        where.append(Contact.id.in_(members))
    return where


async def _startable_flows(ctx: Any) -> list[Flow]:
    """The flows the bulk bar's "start flow" offers (RapidPro's start form lists unarchived flows)."""
    stmt = select(Flow).where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.is_archived.is_(False))
    return list((await ctx.db.execute(stmt.order_by(Flow.name))).scalars())


async def _folder_counts(db: AsyncSession, org_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(Contact.status, func.count())
        .where(in_workspace(Contact, org_id), Contact.is_active)
        .group_by(Contact.status)
    )
    return {status: count for status, count in rows.all()}


@router.get("/contact/")
@router.get("/contact/blocked/")
@router.get("/contact/stopped/")
@router.get("/contact/archived/")
async def contact_list(
    request: Request, ctx: CtxDep, search: str = "", group: str = "", page: int = 1
) -> Response:
    ctx.require("contact_read")
    folder = next((f for f in FOLDERS if f[0] == request.url.path), FOLDERS[0])
    status = folder[1]
    groups = await _groups(ctx)
    current = next((g for g in groups if g["uuid"] == group), None)
    group_id = None
    if current is not None:
        group_id = (
            await ctx.db.execute(select(ContactGroup.id).where(ContactGroup.uuid == current["uuid"]))
        ).scalar_one()
    offset = (max(page, 1) - 1) * PAGE_SIZE
    error, total, ids = None, 0, []
    if search.strip():
        try:
            found = await search_contacts(
                ctx.db, ctx.org.id, search, group_id=group_id, status=status, offset=offset, limit=PAGE_SIZE
            )
            ids, total = found.contact_ids, found.total
        except (QueryError, ValueError) as e:
            error = str(e)
    else:
        where = list_filter(ctx.org.id, status, group_id)
        total = (await ctx.db.execute(select(func.count()).select_from(Contact).where(*where))).scalar_one()
        ids = list(
            (
                await ctx.db.execute(
                    select(Contact.id)
                    .where(*where)
                    .order_by(Contact.id.desc())
                    .offset(offset)
                    .limit(PAGE_SIZE)
                )
            ).scalars()
        )
    contacts = {c.id: c for c in (await ctx.db.execute(select(Contact).where(Contact.id.in_(ids)))).scalars()}
    urns = await _urns(ctx.db, ids)
    featured = (
        (
            await ctx.db.execute(
                select(ContactField).where(
                    in_workspace(ContactField, ctx.org.id), ContactField.is_active, ContactField.show_in_table
                )
            )
        )
        .scalars()
        .all()
    )
    rows = [{"contact": contacts[i], "urn": (urns.get(i) or [""])[0]} for i in ids if i in contacts]
    return render(
        request,
        "contacts/list.html",
        {
            "ctx": ctx,
            "rows": rows,
            "groups": groups,
            "current": current,
            "search": search,
            "error": error,
            "total": total,
            "featured": featured,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "statuses": CONTACT_STATUSES,
            "folder": folder,
            "folders": FOLDERS,
            "folder_counts": await _folder_counts(ctx.db, ctx.org.id),
            "flows": await _startable_flows(ctx) if status == "A" and ctx.can("flow_edit") else [],
        },
    )


@router.post("/contact/create/", dependencies=[Csrf])
async def contact_create(
    request: Request, ctx: CtxDep, name: Annotated[str, Form()] = "", urn: Annotated[str, Form()] = ""
) -> Response:
    ctx.require("contact_edit")
    parsed = None
    if urn.strip():
        try:
            parsed = typed_urn(urn, ctx.org.country)
        except InvalidURN as e:
            return RedirectResponse(f"/contact/?{urlencode({'error': str(e)})}", status_code=303)
        taken = (
            await ctx.db.execute(
                select(ContactURN.id).where(
                    in_workspace(ContactURN, ctx.org.id), ContactURN.identity == parsed.identity
                )
            )
        ).scalar_one_or_none()
        if taken:
            return RedirectResponse("/contact/?error=That URN belongs to another contact", status_code=303)
    contact = Contact(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, name=name.strip()[:128] or None)
    ctx.db.add(contact)
    await ctx.db.flush()
    if parsed is not None:
        ctx.db.add(
            ContactURN(
                org_id=ctx.org.id,
                contact_id=contact.id,
                scheme=parsed.scheme,
                path=parsed.path,
                identity=parsed.identity,
            )
        )
    await ctx.db.commit()
    await contacts_changed(ctx.org.id, [contact.id])
    return RedirectResponse(f"/contact/read/{contact.uuid}/", status_code=303)


@router.get("/contact/read/{contact_uuid}/")
@router.get("/contact/read/{contact_uuid}")
async def contact_read(request: Request, ctx: CtxDep, contact_uuid: str) -> Response:
    ctx.require("contact_read")
    try:
        uuidlib.UUID(contact_uuid)
    except ValueError:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such contact"}, 404)
    contact = (
        await ctx.db.execute(
            select(Contact).where(in_workspace(Contact, ctx.org.id), Contact.uuid == contact_uuid)
        )
    ).scalar_one_or_none()
    if contact is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such contact"}, 404)
    urns = (await _urns(ctx.db, [contact.id])).get(contact.id, [])
    groups = (
        (
            await ctx.db.execute(
                select(ContactGroup)
                .join(contact_group_contacts, contact_group_contacts.c.group_id == ContactGroup.id)
                .where(contact_group_contacts.c.contact_id == contact.id)
            )
        )
        .scalars()
        .all()
    )
    fields = (
        (
            await ctx.db.execute(
                select(ContactField).where(in_workspace(ContactField, ctx.org.id), ContactField.is_active)
            )
        )
        .scalars()
        .all()
    )
    history: list[dict[str, Any]] = []
    for msg in (
        await ctx.db.execute(
            select(Msg).where(Msg.contact_id == contact.id).order_by(Msg.id.desc()).limit(100)
        )
    ).scalars():
        history.append(
            {
                "time": msg.created_on,
                "kind": "msg_in" if msg.direction == "I" else "msg_out",
                "text": msg.text,
                "status": msg.status,
            }
        )
    runs = await ctx.db.execute(
        select(FlowRun, Flow.name, Flow.uuid)
        .join(Flow, Flow.id == FlowRun.flow_id)
        .where(FlowRun.contact_id == contact.id)
        .order_by(FlowRun.id.desc())
        .limit(50)
    )
    for run, flow_name, flow_uuid in runs:
        history.append(
            {"time": run.created_on, "kind": "run_started", "text": flow_name, "flow_uuid": flow_uuid}
        )
        if run.exited_on:
            history.append(
                {
                    "time": run.exited_on,
                    "kind": "run_ended",
                    "text": flow_name,
                    "flow_uuid": flow_uuid,
                    "status": run.status,
                }
            )
    for call in await contact_calls(ctx.db, ctx.org.id, contact.id):
        history.append({"time": call.time, "kind": "call", "text": call.text})
    history.sort(key=lambda e: e["time"], reverse=True)
    values = [(f, (contact.fields or {}).get(f.uuid) or (contact.fields or {}).get(f.key)) for f in fields]
    manual_groups = (
        (
            await ctx.db.execute(
                select(ContactGroup)
                .where(
                    in_workspace(ContactGroup, ctx.org.id),
                    ContactGroup.is_active,
                    ContactGroup.query.is_(None),
                )
                .order_by(ContactGroup.name)
            )
        )
        .scalars()
        .all()
    )
    return render(
        request,
        "contacts/read.html",
        {
            "ctx": ctx,
            "contact": contact,
            "urns": urns,
            "groups": groups,
            "values": values,
            "history": history,
            "status": CONTACT_STATUSES.get(contact.status, contact.status),
            "statuses": CONTACT_STATUSES,
            "manual_groups": manual_groups,
        },
    )
