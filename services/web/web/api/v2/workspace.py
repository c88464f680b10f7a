"""workspace (GET) and its deprecated alias org (GET): the token's workspace."""

from typing import Any

from fastapi import Request

from upesi.db.models import Org
from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.routing import endpoint

DATE_STYLES = {"D": "day_first", "M": "month_first", "Y": "year_first"}


def serialize_workspace(org: Org) -> dict[str, Any]:
    """Also what the flow editor's store reads (its language bar lists `languages`)."""
    return {
        "uuid": str(org.uuid),
        "name": org.name,
        "country": org.country,
        "languages": list(org.languages or []),
        "primary_language": org.languages[0] if org.languages else None,
        "timezone": org.timezone,
        "date_style": DATE_STYLES.get(org.date_format, "day_first"),
        "credits": {"used": -1, "remaining": -1},
        "anon": org.is_anon,
    }


@endpoint(
    "workspace", "GET", "orgs.org_read", summary="The workspace of the token", response=objects.Workspace
)
async def get_workspace(request: Request, ctx: APIContext) -> dict[str, Any]:
    return serialize_workspace(ctx.org)


@endpoint(
    "org",
    "GET",
    "orgs.org_read",
    summary="Deprecated alias of workspace",
    listed=False,
    response=objects.Workspace,
)
async def get_org(request: Request, ctx: APIContext) -> dict[str, Any]:
    return serialize_workspace(ctx.org)
