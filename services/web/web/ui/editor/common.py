"""Helpers shared by the editor's endpoints: finding the flow in the signed-in workspace, reading bodies."""

import json
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import select

from upesi.db.models import Flow
from upesi.db.scoping import in_workspace
from web.ui.auth import Ctx


async def get_flow(ctx: Ctx, flow_uuid: str) -> Flow:
    """The active flow with this UUID in the signed-in workspace, else 404 (never another workspace's)."""
    try:
        flow = (
            await ctx.db.execute(
                select(Flow).where(in_workspace(Flow, ctx.org.id), Flow.uuid == flow_uuid, Flow.is_active)
            )
        ).scalar_one_or_none()
    except Exception:  # a malformed UUID is just a flow that does not exist
        await ctx.db.rollback()
        flow = None
    if flow is None:
        raise HTTPException(status_code=404, detail="No such flow")
    return flow


async def json_body(request: Request) -> dict[str, Any]:
    """The editor posts JSON as `application/javascript`, so the body is parsed whatever its type."""
    try:
        body = json.loads(await request.body())
    except ValueError as e:
        raise HTTPException(status_code=400, detail="Body is not JSON") from e
    if not isinstance(body, dict):
        raise HTTPException(status_code=400, detail="Body must be a JSON object")
    return body


def page(results: list[dict[str, Any]]) -> dict[str, Any]:
    """API v2 list format; our asset lists are small enough for one page."""
    return {"next": None, "previous": None, "results": results}
