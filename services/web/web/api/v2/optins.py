"""optins: list (GET) and create (POST {name})."""

from typing import Any

from fastapi import Request

from upesi.db.engine import transaction
from upesi.db.models import OptIn
from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body
from web.api.v2.groups import validate_name
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import fmt_dt, new_uuid


@endpoint(
    "optins",
    "GET",
    "msgs.optin_list",
    summary="List opt-ins",
    listed=False,
    response=objects.Page[objects.OptIn],
)  # not in RapidPro's listing
async def list_optins(request: Request, ctx: APIContext) -> dict[str, Any]:
    async with transaction() as session:
        page = await paginate(
            session,
            request,
            org_select(ctx, OptIn),
            [OptIn.created_on, OptIn.id],
            lambda o: (o.created_on, o.id),
        )
        return page.response(
            [{"uuid": str(o.uuid), "name": o.name, "created_on": fmt_dt(o.created_on)} for o in page.rows]
        )


@endpoint(
    "optins", "POST", "msgs.optin_create", summary="Create an opt-in", body=["name"], response=objects.OptIn
)
async def create_optin(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    async with transaction() as session:
        name = await validate_name(session, ctx, data, OptIn, None)
        optin = OptIn(uuid=new_uuid(), org_id=ctx.org_id, name=name)
        session.add(optin)
        await session.flush()
        await session.refresh(optin)
        return created({"uuid": str(optin.uuid), "name": optin.name, "created_on": fmt_dt(optin.created_on)})
