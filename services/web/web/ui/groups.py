"""Creating contact groups (manual, or smart from a query) and contact fields from the Contacts page."""

import uuid as uuidlib
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from upesi.contactql import QueryError, load_resolver, parse_query
from upesi.db.models import ContactField, ContactGroup
from upesi.db.ops.assets import FIELD_TYPES
from upesi.db.ops.smart_groups import populate_group
from upesi.db.scoping import in_workspace
from upesi.domain import field_access
from upesi.domain.contact_fields import MAX_LEN, is_new_key_allowed, is_valid_name, make_key
from upesi.domain.errors import LimitReached
from upesi.domain.limits import check_limit
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
FIELD_CODES = {name: code for code, name in FIELD_TYPES.items()}
# RapidPro's ContactField.ACCESS_CHOICES, as its field form labels them
ACCESS_LABELS = {field_access.NONE: "Hidden", field_access.VIEW: "View", field_access.EDIT: "Edit"}


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
        {
            "ctx": ctx,
            "fields": fields,
            "types": FIELD_TYPES,
            "access": ACCESS_LABELS,
            "error": request.query_params.get("error"),
        },
    )


@router.post("/contact/fields/", dependencies=[Csrf])
async def field_create(
    ctx: CtxDep,
    name: Annotated[str, Form()],
    value_type: Annotated[str, Form()] = "text",
    featured: Annotated[bool, Form()] = False,
    agent_access: Annotated[str, Form()] = field_access.VIEW,
) -> Response:
    """RapidPro's ContactFieldForm: the name and key rules are the API's (upesi.domain.contact_fields), the
    messages the form's."""
    ctx.require("contact_edit")
    name, key = name.strip(), make_key(name)
    if len(name) > MAX_LEN:
        problem = f"Name: Ensure this value has at most {MAX_LEN} characters (it has {len(name)})."
    elif not is_valid_name(name):
        problem = "Name: Can only contain letters, numbers and hypens."
    elif not is_new_key_allowed(key):
        problem = "Name: Can't be a reserved word."
    elif value_type not in FIELD_CODES:
        problem = f"Type: {value_type!r} is not one of {', '.join(FIELD_CODES)}"
    elif agent_access not in field_access.NAMES:
        problem = f"Agent access: {agent_access!r} is not one of {', '.join(field_access.NAMES)}"
    elif (
        await ctx.db.execute(
            select(ContactField.id).where(
                in_workspace(ContactField, ctx.org.id),
                ContactField.is_active,
                (ContactField.key == key) | (func.lower(ContactField.name) == name.lower()),
            )
        )
    ).first():
        problem = "Name: Must be unique."
    else:
        try:
            await check_limit(ctx.db, org=ctx.org, kind="fields", model=ContactField)
        except LimitReached as e:
            problem = e.message
        else:
            problem = ""
    if problem:
        return RedirectResponse(f"/contact/fields/?{urlencode({'error': problem})}", status_code=303)
    ctx.db.add(
        ContactField(
            uuid=str(uuidlib.uuid4()),
            org_id=ctx.org.id,
            key=key,
            name=name,
            value_type=FIELD_CODES[value_type],
            show_in_table=featured,
            agent_access=agent_access,
        )
    )
    await ctx.db.commit()
    return RedirectResponse("/contact/fields/", status_code=303)
