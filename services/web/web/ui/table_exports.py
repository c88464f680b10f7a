"""Exports of contacts (all, or a group) and of a message folder as CSV or XLSX, streamed (see exports.py)."""

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.responses import Response

from upesi.db.engine import sessionmaker
from upesi.db.models import Contact, ContactField, ContactGroup, ContactURN, Msg, contact_group_contacts
from upesi.db.models.contacts import CONTACT_STATUSES
from web.ui.auth import CtxDep
from web.ui.exports import download
from web.ui.msgs import FOLDERS, STATUS_NAMES

router = APIRouter()


@router.get("/contact/export/")
async def export_contacts(ctx: CtxDep, group: str = "", format: str = "csv") -> Response:
    ctx.require("contact_read")
    fields = list(
        (
            await ctx.db.execute(
                select(ContactField)
                .where(ContactField.org_id == ctx.org.id, ContactField.is_active)
                .order_by(ContactField.name)
            )
        ).scalars()
    )
    where: list[Any] = [Contact.org_id == ctx.org.id, Contact.is_active]
    if group:
        group_id = (
            await ctx.db.execute(
                select(ContactGroup.id).where(ContactGroup.org_id == ctx.org.id, ContactGroup.uuid == group)
            )
        ).scalar_one_or_none()
        where.append(
            Contact.id.in_(
                select(contact_group_contacts.c.contact_id).where(
                    contact_group_contacts.c.group_id == (group_id or -1)
                )
            )
        )
    header = [
        "Contact UUID",
        "Name",
        "Language",
        "Status",
        "URNs",
        "Created On",
        "Last Seen On",
        *[f"Field:{f.name}" for f in fields],
    ]

    async def rows() -> AsyncIterator[list[Any]]:
        urns = (
            select(func.string_agg(ContactURN.identity, ", "))
            .where(ContactURN.contact_id == Contact.id)
            .scalar_subquery()
        )
        query = select(Contact, urns).where(*where).order_by(Contact.id).execution_options(yield_per=1000)
        async with sessionmaker()() as session:
            async for contact, identities in await session.stream(query):
                values = contact.fields or {}
                yield [contact.uuid, contact.name or "", contact.language or "", CONTACT_STATUSES.get(contact.status, contact.status),
                       identities or "", contact.created_on, contact.last_seen_on,
                       *[(values.get(f.uuid) or {}).get("text", "") for f in fields]]  # fmt: skip

    return await download(header, rows(), "contacts", format, "Contacts")


@router.get("/msg/export/{folder}/")
async def export_messages(ctx: CtxDep, folder: str, format: str = "csv") -> Response:
    ctx.require("msg_read")
    conditions = FOLDERS.get(folder, FOLDERS["inbox"])[1]
    org_id = ctx.org.id
    header = ["Date", "Contact UUID", "Contact Name", "URN", "Direction", "Text", "Attachments", "Status"]

    async def rows() -> AsyncIterator[list[Any]]:
        query = (
            select(Msg, Contact.uuid, Contact.name, ContactURN.identity)
            .join(Contact, Contact.id == Msg.contact_id)
            .outerjoin(ContactURN, ContactURN.id == Msg.contact_urn_id)
            .where(Msg.org_id == org_id, Msg.visibility == "V", *conditions)
            .order_by(Msg.id.desc())
            .execution_options(yield_per=1000)
        )
        async with sessionmaker()() as session:
            async for msg, contact_uuid, name, urn in await session.stream(query):
                yield [msg.created_on, contact_uuid, name or "", urn or "", "in" if msg.direction == "I" else "out", msg.text,
                       " ".join(msg.attachments or []), STATUS_NAMES.get(msg.status, msg.status)]  # fmt: skip

    return await download(header, rows(), f"messages-{folder}", format, "Messages")
