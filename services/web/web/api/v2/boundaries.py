"""boundaries: list (GET). Upesi has no administrative boundaries (locations) yet: an empty page."""

from typing import Any

from fastapi import Request

from web.api.v2 import objects
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page
from web.api.v2.routing import endpoint


@endpoint("boundaries", "GET", "locations.adminboundary_list", summary="List administrative boundaries",
          params=["geometry"], listed=False, response=objects.Page[objects.Boundary])  # fmt: skip
async def list_boundaries(request: Request, ctx: APIContext) -> dict[str, Any]:
    return empty_page()
