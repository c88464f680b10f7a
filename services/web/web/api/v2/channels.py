"""channels: list (GET)."""

from typing import Any

from fastapi import Request

from upesi.db.engine import transaction
from upesi.db.models import Channel
from web.api.v2 import params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import fmt_dt

ANDROID = "A"


def serialize_channel(c: Channel) -> dict[str, Any]:
    device = None
    if c.channel_type == ANDROID:
        cfg = c.config or {}
        device = {
            k: cfg.get(k) for k in ("name", "power_level", "power_status", "power_source", "network_type")
        }
    return {
        "uuid": str(c.uuid),
        "name": c.name,
        "address": c.address,
        "type": c.channel_type,
        "country": c.country,
        "device": device,
        "last_seen": fmt_dt(c.modified_on),
        "created_on": fmt_dt(c.created_on),
    }


@endpoint("channels", "GET", "channels.channel_list", summary="List channels", params=["uuid", "address"])
async def list_channels(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Channel)
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(Channel.uuid == uuid)
    if address := params.get(request, "address"):
        stmt = stmt.where(Channel.address == address)
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Channel.created_on, Channel.id], lambda c: (c.created_on, c.id)
        )
        return page.response([serialize_channel(c) for c in page.rows])
