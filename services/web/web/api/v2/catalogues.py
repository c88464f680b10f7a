"""The read-mostly catalogues: archives (GET), boundaries (GET), classifiers (GET), optins (GET, POST) and
topics (GET, POST). Upesi has no locations or classifiers yet, so those two answer empty pages."""

from typing import Any

from fastapi import Request
from upesi.db.engine import transaction
from upesi.db.models import Archive, OptIn, Topic

from web.api.v2 import params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body
from web.api.v2.groups import validate_name
from web.api.v2.limits import check_limit
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import fmt_dt, new_uuid

PERIODS = {"D": "daily", "M": "monthly"}
PERIOD_CODES = {name: code for code, name in PERIODS.items()}


@endpoint("archives", "GET", "archives.archive_list", summary="List message and run archives",
          params=["type", "period", "before", "after"])  # fmt: skip
async def list_archives(request: Request, ctx: APIContext) -> dict[str, Any]:
    # daily archives already rolled up into a monthly one are not listed
    stmt = org_select(ctx, Archive).where(Archive.rollup_id.is_(None))
    try:
        if archive_type := params.get(request, "type"):
            stmt = stmt.where(Archive.archive_type == archive_type.lower())
        if period := params.get(request, "period"):
            stmt = stmt.where(Archive.period == PERIOD_CODES.get(period.lower(), "?"))
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Archive.start_date <= before.date())
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Archive.start_date >= after.date())
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Archive.start_date, Archive.id], lambda a: (a.start_date, a.id)
        )
        return page.response(
            [
                {
                    "type": a.archive_type,
                    "start_date": a.start_date.isoformat(),
                    "period": PERIODS.get(a.period, "daily"),
                    "record_count": a.record_count,
                    "size": a.size,
                    "hash": a.hash,
                    "download_url": a.url,
                }
                for a in page.rows
            ]
        )


@endpoint("boundaries", "GET", "locations.adminboundary_list", summary="List administrative boundaries",
          params=["geometry"], listed=False)  # fmt: skip
async def list_boundaries(request: Request, ctx: APIContext) -> dict[str, Any]:
    return empty_page()


@endpoint(
    "classifiers", "GET", "classifiers.classifier_list", summary="List NLU classifiers", params=["uuid"]
)
async def list_classifiers(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.get_uuids(request, "uuid")  # still validated, as RapidPro did
    return empty_page()


@endpoint("optins", "GET", "msgs.optin_list", summary="List opt-ins")
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


@endpoint("optins", "POST", "msgs.optin_create", summary="Create an opt-in", body=["name"])
async def create_optin(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    async with transaction() as session:
        name = await validate_name(session, ctx, data, OptIn, None)
        optin = OptIn(uuid=new_uuid(), org_id=ctx.org_id, name=name)
        session.add(optin)
        await session.flush()
        await session.refresh(optin)
        return created({"uuid": str(optin.uuid), "name": optin.name, "created_on": fmt_dt(optin.created_on)})


def serialize_topic(t: Topic) -> dict[str, Any]:
    # tickets are not implemented yet, so no topic has any
    return {"uuid": str(t.uuid), "name": t.name, "counts": {"open": 0, "closed": 0}, "system": t.is_system,
            "created_on": fmt_dt(t.created_on)}  # fmt: skip


@endpoint("topics", "GET", "tickets.topic_list", summary="List ticket topics", params=["uuid"])
async def list_topics(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Topic)
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(Topic.uuid == uuid)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Topic.created_on, Topic.id], lambda t: (t.created_on, t.id)
        )
        return page.response([serialize_topic(t) for t in page.rows])


@endpoint(
    "topics",
    "POST",
    "tickets.topic_create",
    summary="Create or rename a topic",
    params=["uuid"],
    body=["name"],
)
async def write_topic(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    async with transaction() as session:
        topic = await get_or_404(session, ctx, Topic, Topic.uuid == found[1]) if found else None
        name = await validate_name(session, ctx, data, Topic, topic)
        if topic is None:
            await check_limit(session, ctx, "topics", Topic)
            topic = Topic(uuid=new_uuid(), org_id=ctx.org_id, name=name)
            session.add(topic)
        else:
            topic.name = name
        await session.flush()
        await session.refresh(topic)
        shape = serialize_topic(topic)
    return shape if found else created(shape)
