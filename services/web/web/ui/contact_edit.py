"""Editing a contact from its page: name, language, status, field values, and membership of manual
groups (smart groups follow their queries and are refreshed afterwards)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import delete, insert, select
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Contact, ContactField, ContactGroup, contact_group_contacts
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.db.ops.smart_groups import refresh_contacts_groups
from upesi.db.scoping import in_workspace
from web.mailroom_tasks import contacts_changed
from web.ui.auth import Csrf, CtxDep

router = APIRouter()


@router.post("/contact/update/{contact_uuid}/", dependencies=[Csrf])
async def contact_update(
    request: Request,
    ctx: CtxDep,
    contact_uuid: str,
    name: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "A",
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx.require("contact_edit")
    contact = (
        await ctx.db.execute(
            select(Contact).where(
                in_workspace(Contact, ctx.org.id), Contact.uuid == contact_uuid, Contact.is_active
            )
        )
    ).scalar_one_or_none()
    if contact is None:
        return RedirectResponse("/contact/", status_code=303)
    contact.name = name.strip()[:128] or None
    contact.language = language.strip().lower()[:3] or None
    if status in CONTACT_STATUSES:
        contact.status = status
    form = await request.form()
    fields = (
        await ctx.db.execute(
            select(ContactField).where(in_workspace(ContactField, ctx.org.id), ContactField.is_active)
        )
    ).scalars()
    values = dict(contact.fields or {})
    for f in fields:
        raw = form.get(f"field_{f.key}")
        if raw is None:
            continue
        text = str(raw).strip()
        if text:
            from web.api.v2.field_values import parse_value  # the stored shapes the API writes

            values[f.uuid] = parse_value(f.value_type, text) or {"text": text}
        else:
            values.pop(f.uuid, None)
    contact.fields = values
    manual = {
        g.uuid: g.id
        for g in (
            await ctx.db.execute(
                select(ContactGroup).where(
                    in_workspace(ContactGroup, ctx.org.id),
                    ContactGroup.is_active,
                    ContactGroup.query.is_(None),
                )
            )
        ).scalars()
    }
    wanted = {manual[u] for u in groups or [] if u in manual}
    await ctx.db.execute(
        delete(contact_group_contacts).where(
            contact_group_contacts.c.contact_id == contact.id,
            contact_group_contacts.c.group_id.in_(list(manual.values())),
        )
    )
    if wanted:
        await ctx.db.execute(
            insert(contact_group_contacts), [{"contact_id": contact.id, "group_id": g} for g in wanted]
        )
    await ctx.db.flush()
    await refresh_contacts_groups(ctx.db, ctx.org.id, [contact.id])
    await ctx.db.commit()
    await contacts_changed(ctx.org.id, [contact.id])  # campaign fires follow the new field values and groups
    return RedirectResponse(f"/contact/read/{contact.uuid}/", status_code=303)
