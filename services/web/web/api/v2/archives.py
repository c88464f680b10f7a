"""archives: list (GET) the message and run archives."""

from typing import Any

from fastapi import Request

from upesi.db.engine import transaction
from upesi.db.models import Archive
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select

PERIODS = {"D": "daily", "M": "monthly"}
PERIOD_CODES = {name: code for code, name in PERIODS.items()}


@endpoint("archives", "GET", "archives.archive_list", summary="List message and run archives",
          params=["type", "period", "before", "after", "archive_type"], response=objects.Page[objects.Archive])  # fmt: skip
async def list_archives(request: Request, ctx: APIContext) -> dict[str, Any]:
    # daily archives already rolled up into a monthly one are not listed
    stmt = org_select(ctx, Archive).where(Archive.rollup_id.is_(None))
    try:
        # `archive_type` is the deprecated name RapidPro still reads
        if archive_type := params.get(request, "type") or params.get(request, "archive_type"):
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
                    "hash": a.hash or None,
                    "download_url": a.url or None,
                    "archive_type": a.archive_type,  # deprecated, still sent by RapidPro
                }
                for a in page.rows
            ]
        )
