"""Creating contact groups (manual, or smart from a query) and contact fields from the Contacts page."""

import re
import uuid as uuidlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from upesi.contactql import QueryError, load_resolver, parse_query
from upesi.db.models import ContactField, ContactGroup
from upesi.db.ops.assets import FIELD_TYPES
from upesi.db.ops.smart_groups import populate_group
from upesi.db.scoping import in_workspace
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
FIELD_CODES = {name: code for code, name in FIELD_TYPES.items()}


def _back(error: str) -> Response:
    return RedirectResponse(f"/contact/?error={error}", status_code=303)


@router.post("/contact/group/create/", dependencies=[Csrf])
async def group_create(
    ctx: CtxDep, name: Annotated[str, Form()], query: Annotated[str, Form()] = ""
) -> Response:
    ctx.require("contact_edit")
    name = name.strip()[:64]
    if not name:
        return _back("A group needs a name")
    taken = await ctx.db.execute(
        select(ContactGroup.id).where(
            in_workspace(ContactGroup, ctx.org.id),
            ContactGroup.is_active,
            func.lower(ContactGroup.name) == name.lower(),
        )
    )
    if taken.first():
        return _back(f"There is already a group named {name}")
    normalized = None
    if query.strip():
        try:
            normalized = parse_query(query, await load_resolver(ctx.db, ctx.org.id)).normalized
        except (QueryError, ValueError) as e:
            return _back(f"Invalid query: {e}")
    group = ContactGroup(
        uuid=str(uuidlib.uuid4()),
        org_id=ctx.org.id,
        name=name,
        group_type="Q" if normalized else "M",
        query=normalized,
        status="E" if normalized else "R",
    )
    ctx.db.add(group)
    await ctx.db.flush()
    if normalized:
        # filled now, in the request: fine for the workspaces we serve today; mailroom keeps it current after
        await populate_group(ctx.db, group.id)
        group.status = "R"
    await ctx.db.commit()
    return RedirectResponse(f"/contact/?group={group.uuid}", status_code=303)


@router.get("/contact/fields/")
async def field_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("contact_read")
    fields = (
        (
            await ctx.db.execute(
                select(ContactField)
                .where(
                    in_workspace(ContactField, ctx.org.id),
                    ContactField.is_active,
                    ContactField.is_system.is_(False),
                )
                .order_by(ContactField.name)
            )
        )
        .scalars()
        .all()
    )
    return render(
        request,
        "contacts/fields.html",
        {"ctx": ctx, "fields": fields, "types": FIELD_TYPES, "error": request.query_params.get("error")},
    )


@router.post("/contact/fields/", dependencies=[Csrf])
async def field_create(
    ctx: CtxDep,
    name: Annotated[str, Form()],
    value_type: Annotated[str, Form()] = "text",
    featured: Annotated[bool, Form()] = False,
) -> Response:
    ctx.require("contact_edit")
    name = name.strip()[:36]
    key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:36]
    if not key or not key[0].isalpha():
        return RedirectResponse(
            "/contact/fields/?error=Field names must start with a letter", status_code=303
        )
    exists = await ctx.db.execute(
        select(ContactField.id).where(in_workspace(ContactField, ctx.org.id), ContactField.key == key)
    )
    if exists.first():
        return RedirectResponse(f"/contact/fields/?error=A field with key {key} exists", status_code=303)
    ctx.db.add(
        ContactField(
            uuid=str(uuidlib.uuid4()),
            org_id=ctx.org.id,
            key=key,
            name=name,
            value_type=FIELD_CODES.get(value_type, "T"),
            show_in_table=featured,
        )
    )
    await ctx.db.commit()
    return RedirectResponse("/contact/fields/", status_code=303)
