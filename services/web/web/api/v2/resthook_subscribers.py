"""resthook_subscribers: list (GET), subscribe (POST), unsubscribe (DELETE ?id=)."""

from typing import Any
from urllib.parse import urlparse

from fastapi import Request
from sqlalchemy import CursorResult, func, select, update

from upesi.db.engine import transaction
from upesi.db.models import Resthook, ResthookSubscriber
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors, invalid, not_found
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint, no_content
from web.api.v2.scoping import in_org, org_select
from web.api.v2.values import fmt_dt


def serialize_subscriber(sub: ResthookSubscriber, slug: str) -> dict[str, Any]:
    return {
        "id": sub.id,
        "resthook": slug,
        "target_url": sub.target_url,
        "created_on": fmt_dt(sub.created_on),
    }


@endpoint("resthook_subscribers", "GET", "api.resthooksubscriber_list", summary="List resthook subscribers",
          params=["id", "resthook"], response=objects.Page[objects.ResthookSubscriber])  # fmt: skip
async def list_subscribers(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = (
        select(ResthookSubscriber, Resthook.slug)
        .join(Resthook, Resthook.id == ResthookSubscriber.resthook_id)
        .where(in_org(ctx, Resthook), Resthook.is_active, ResthookSubscriber.is_active)
    )
    if (sub_id := params.get_int(request, "id")) is not None:
        stmt = stmt.where(ResthookSubscriber.id == sub_id)
    if slug := params.get(request, "resthook"):
        stmt = stmt.where(Resthook.slug == slug)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [ResthookSubscriber.created_on, ResthookSubscriber.id],
            lambda row: (row[0].created_on, row[0].id), scalars=False,
        )  # fmt: skip
        return page.response([serialize_subscriber(sub, slug) for sub, slug in page.rows])


@endpoint("resthook_subscribers", "POST", "api.resthooksubscriber_create", summary="Subscribe to a resthook",
          body=["resthook", "target_url"], response=objects.ResthookSubscriber)  # fmt: skip
async def subscribe(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    slug = string(data, "resthook", errors, required=True)
    target_url = string(data, "target_url", errors, required=True, max_length=2048)
    if target_url is not None:
        parsed = urlparse(target_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors.add("target_url", "Enter a valid URL.")
    async with transaction() as session:
        resthook = None
        if slug:
            resthook = (
                await session.execute(org_select(ctx, Resthook).where(Resthook.slug == slug))
            ).scalar_one_or_none()
            if resthook is None:
                errors.add("resthook", f"No resthook with slug: {slug}")
        if not errors and resthook is not None:
            existing = await session.execute(
                select(ResthookSubscriber.id).where(
                    ResthookSubscriber.resthook_id == resthook.id,
                    ResthookSubscriber.target_url == target_url,
                    ResthookSubscriber.is_active,
                )
            )
            if existing.first() is not None:
                errors.add("non_field_errors", "URL is already subscribed to this event.")
        errors.raise_if_any()
        assert resthook is not None and target_url is not None
        sub = ResthookSubscriber(resthook_id=resthook.id, target_url=target_url)
        session.add(sub)
        await session.flush()
        await session.refresh(sub)
        return created(serialize_subscriber(sub, resthook.slug))


@endpoint(
    "resthook_subscribers", "DELETE", "api.resthooksubscriber_delete", summary="Unsubscribe", params=["id"]
)
async def unsubscribe(request: Request, ctx: APIContext) -> Any:
    found = params.lookup(request, ("id",))
    if found is None:
        raise invalid("URL must contain one of the following parameters: id")
    try:
        sub_id = int(found[1])
    except ValueError as e:
        raise not_found() from e
    async with transaction() as session:
        result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
            update(ResthookSubscriber)
            .where(
                ResthookSubscriber.id == sub_id,
                ResthookSubscriber.is_active,
                ResthookSubscriber.resthook_id.in_(org_select(ctx, Resthook, Resthook.id)),
            )
            .values(is_active=False, modified_on=func.now())
        )
        if result.rowcount == 0:
            raise not_found()
    return no_content()
