"""resthooks: list (GET) the named hooks flows call, which Zapier and similar services subscribe to."""

from typing import Any

from fastapi import Request

from upesi.db.engine import transaction
from upesi.db.models import Resthook
from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.pagination import paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import fmt_dt


@endpoint(
    "resthooks", "GET", "api.resthook_list", summary="List resthooks", response=objects.Page[objects.Resthook]
)
async def list_resthooks(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Resthook)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Resthook.modified_on, Resthook.id], lambda r: (r.modified_on, r.id)
        )
        return page.response(
            [
                {"resthook": r.slug, "created_on": fmt_dt(r.created_on), "modified_on": fmt_dt(r.modified_on)}
                for r in page.rows
            ]
        )
