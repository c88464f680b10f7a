"""labels: list (GET), create or rename (POST, ?uuid=), delete (DELETE)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Label, msg_labels
from upesi.domain import labels
from upesi.domain.labels import create_label, rename_label
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import raw_name, read_body
from web.api.v2.errors import invalid
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint, no_content
from web.api.v2.scoping import get_or_404, org_select


async def serialize_labels(session: AsyncSession, labels: list[Label]) -> list[dict[str, Any]]:
    ids = [label.id for label in labels]
    counts: dict[int, int] = {}
    if ids:
        rows = await session.execute(
            select(msg_labels.c.label_id, func.count())
            .where(msg_labels.c.label_id.in_(ids))
            .group_by(msg_labels.c.label_id)
        )
        counts = dict(rows.all())
    return [
        {"uuid": str(label.uuid), "name": label.name, "count": counts.get(label.id, 0)} for label in labels
    ]


@endpoint(
    "labels",
    "GET",
    "msgs.label_list",
    summary="List message labels",
    params=["uuid", "name"],
    response=objects.Page[objects.Label],
)
async def list_labels(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.exclusive(request, ("uuid", "name"))
    stmt = org_select(ctx, Label)
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(Label.uuid == uuid)
    if name := params.get(request, "name"):
        stmt = stmt.where(func.lower(Label.name) == name.lower())
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Label.created_on, Label.id], lambda x: (x.created_on, x.id)
        )
        return page.response(await serialize_labels(session, page.rows))


@endpoint(
    "labels",
    "POST",
    "msgs.label_create",
    summary="Create or rename a label",
    params=["uuid"],
    body=["name"],
    response=objects.Label,
)
async def write_label(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    async with transaction() as session:
        label = await get_or_404(session, ctx, Label, Label.uuid == found[1]) if found else None
        if label is None:
            label = await create_label(session, org=ctx.org, name=raw_name(data))
        else:
            label = await rename_label(session, org=ctx.org, label=label, name=raw_name(data))
        await session.refresh(label)
        shape = (await serialize_labels(session, [label]))[0]
    return shape if found else created(shape)


@endpoint("labels", "DELETE", "msgs.label_delete", summary="Delete a label", params=["uuid"])
async def delete_label(request: Request, ctx: APIContext) -> Any:
    found = params.lookup(request, ("uuid",))
    if found is None:
        raise invalid("URL must contain one of the following parameters: uuid")
    async with transaction() as session:
        label = await get_or_404(session, ctx, Label, Label.uuid == found[1])
        await labels.delete_label(session, org=ctx.org, label=label)
    return no_content()
