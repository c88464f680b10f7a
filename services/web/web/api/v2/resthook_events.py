"""resthook_events: list (GET) what flows sent to resthooks."""

from typing import Any

from fastapi import Request
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Resthook, WebhookEvent
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org
from web.api.v2.values import fmt_dt


@endpoint(
    "resthook_events",
    "GET",
    "api.webhookevent_list",
    summary="List resthook events",
    params=["resthook"],
    response=objects.Page[objects.ResthookEvent],
)
async def list_events(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = (
        select(WebhookEvent, Resthook.slug)
        .join(Resthook, Resthook.id == WebhookEvent.resthook_id)
        .where(in_org(ctx, WebhookEvent), in_org(ctx, Resthook))
    )
    if slug := params.get(request, "resthook"):
        stmt = stmt.where(Resthook.slug == slug)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [WebhookEvent.created_on, WebhookEvent.id],
            lambda row: (row[0].created_on, row[0].id), scalars=False,
        )  # fmt: skip
        return page.response(
            [
                {"resthook": slug, "data": ev.data or {}, "created_on": fmt_dt(ev.created_on)}
                for ev, slug in page.rows
            ]
        )
