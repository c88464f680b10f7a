"""topics: list (GET), create or rename (POST, ?uuid=) ticket topics, with their open and closed ticket counts."""

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Topic
from upesi.domain.limits import check_limit
from upesi.domain.tickets import topic_counts
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body
from web.api.v2.errors import detail
from web.api.v2.groups import validate_name
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import fmt_dt, new_uuid


async def serialize_topics(
    session: AsyncSession, ctx: APIContext, topics: list[Topic]
) -> list[dict[str, Any]]:
    counts = await topic_counts(session, org_id=ctx.org_id, topic_ids=[t.id for t in topics])
    return [{"uuid": str(t.uuid), "name": t.name, "counts": counts[t.id], "system": t.is_system,
             "created_on": fmt_dt(t.created_on)} for t in topics]  # fmt: skip


@endpoint(
    "topics",
    "GET",
    "tickets.topic_list",
    summary="List ticket topics",
    params=["uuid"],
    response=objects.Page[objects.Topic],
)
async def list_topics(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Topic)
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(Topic.uuid == uuid)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Topic.created_on, Topic.id], lambda t: (t.created_on, t.id)
        )
        return page.response(await serialize_topics(session, ctx, page.rows))


@endpoint(
    "topics",
    "POST",
    "tickets.topic_create",
    summary="Create or rename a topic",
    params=["uuid"],
    body=["name"],
    response=objects.Topic,
)
async def write_topic(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    async with transaction() as session:
        topic = await get_or_404(session, ctx, Topic, Topic.uuid == found[1]) if found else None
        if topic is not None and topic.is_system:
            raise detail(403, "Cannot modify system object.")
        name = await validate_name(session, ctx, data, Topic, topic)
        if topic is None:
            await check_limit(session, org=ctx.org, kind="topics", model=Topic)
            topic = Topic(uuid=new_uuid(), org_id=ctx.org_id, name=name)
            session.add(topic)
        else:
            topic.name = name
        await session.flush()
        await session.refresh(topic)
        shape = (await serialize_topics(session, ctx, [topic]))[0]
    return shape if found else created(shape)
