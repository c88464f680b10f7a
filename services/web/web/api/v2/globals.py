"""globals: list (GET), create (POST {name, value}) or update (POST ?key= {value})."""

import re
from typing import Any

from fastapi import Request
from sqlalchemy import func

from upesi.db.engine import transaction
from upesi.db.models import Global
from upesi.domain.contact_fields import make_key
from upesi.domain.limits import check_limit
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import fmt_dt, new_uuid

MAX_VALUE = 10_000


def serialize_global(g: Global) -> dict[str, Any]:
    return {"key": g.key, "name": g.name, "value": g.value, "modified_on": fmt_dt(g.modified_on)}


GLOBAL_NAME_RE = re.compile(r"^[A-Za-z0-9_\- ]+$")
GLOBAL_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@endpoint(
    "globals",
    "GET",
    "globals.global_list",
    summary="List globals",
    params=["key", "before", "after"],
    response=objects.Page[objects.Global],
)
async def list_globals(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Global)
    try:
        if key := params.get(request, "key"):
            stmt = stmt.where(Global.key == key)
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Global.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Global.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Global.modified_on, Global.id], lambda g: (g.modified_on, g.id)
        )
        return page.response([serialize_global(g) for g in page.rows])


@endpoint("globals", "POST", "globals.global_create", summary="Create or update a global", params=["key"],
          body=["name", "value"], response=objects.Global)  # fmt: skip
async def write_global(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("key",))
    errors = Errors()
    async with transaction() as session:
        glob = await get_or_404(session, ctx, Global, Global.key == found[1]) if found else None
        # RapidPro's GlobalWriteSerializer: field errors first, then a missing name on create
        name = string(data, "name", errors, max_length=36)
        value = string(data, "value", errors, required=True, max_length=MAX_VALUE, allow_blank=True)
        if name is not None:
            key = make_key(name)
            if not GLOBAL_NAME_RE.match(name):
                errors.add("name", "Name contains illegal characters.")
            elif not GLOBAL_KEY_RE.match(key):
                errors.add("name", "Name creates Key that is invalid")
            elif glob is None:
                clash = org_select(ctx, Global, Global.id).where(
                    (func.lower(Global.name) == name.lower()) | (Global.key == key)
                )
                if (await session.execute(clash.limit(1))).first() is not None:
                    errors.add("name", "This field must be unique.")
        errors.raise_if_any()
        if glob is None and not name:
            errors.add("non_field_errors", "Name is required when creating new global.")
        errors.raise_if_any()
        if glob is None:
            await check_limit(session, org=ctx.org, kind="globals", model=Global)
            assert name is not None
            glob = Global(
                uuid=new_uuid(), org_id=ctx.org_id, key=make_key(name), name=name, value=value or ""
            )
            session.add(glob)
        else:
            glob.value = value or ""
            glob.modified_on = func.now()
        await session.flush()
        await session.refresh(glob)
        shape = serialize_global(glob)
    return shape if found else created(shape)
