"""definitions (GET, deprecated upstream): an export document of flows and campaigns with, as asked by
`dependencies` (none|flows|all), what RapidPro's dependency graph brings with them. The document is built
by upesi.domain.exports, which the UI's flow export calls too."""

from typing import Any

from fastapi import Request

from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.domain.exports import export_definitions
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.errors import invalid
from web.api.v2.routing import endpoint


@endpoint("definitions", "GET", "orgs.org_export", summary="Export flows and campaigns with their dependencies",
          params=["flow", "campaign", "dependencies"], listed=False, response=objects.Definitions)  # fmt: skip
async def export(request: Request, ctx: APIContext) -> dict[str, Any]:
    flow_uuids = params.get_uuids(request, "flow")
    campaign_uuids = params.get_uuids(request, "campaign")
    deps = (params.get(request, "dependencies") or "all").lower()
    if deps not in ("none", "flows", "all"):
        raise invalid("dependencies must be one of none, flows, all")
    async with transaction() as session:
        return await export_definitions(
            session, org_id=ctx.org_id, flow_uuids=list(flow_uuids), campaign_uuids=list(campaign_uuids),
            dependencies=deps, site=get_settings().web_url,
        )  # fmt: skip
