"""statistics (GET, unpublicised upstream): daily message counts per channel, RapidPro's StatisticsEndpoint.

RapidPro sums its squashed ChannelCount rows; we count the messages themselves, grouped by UTC day, channel,
type and direction in one statement (a message deleted since is no longer counted, see NOTES.md)."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Date, cast, func, select

from upesi.db.engine import transaction
from upesi.db.models import Channel, Msg
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.channels import type_slug
from web.api.v2.errors import invalid
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org

MAX_DAYS = 366
DEFAULT_DAYS = 90
# (msg_type, direction) -> RapidPro's ChannelCount scope
SCOPES = {("T", "I"): "text:in", ("T", "O"): "text:out", ("V", "I"): "voice:in", ("V", "O"): "voice:out"}


def _date_param(request: Request, name: str, default: date) -> date:
    value = params.get(request, name)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise invalid(f"Invalid date value for '{name}'.") from e


@endpoint("statistics", "GET", "channels.channel_list", summary="Daily message counts per channel",
          params=["since", "until"], listed=False, response=objects.Statistics)  # fmt: skip
async def list_statistics(request: Request, ctx: APIContext) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    since = _date_param(request, "since", today - timedelta(days=DEFAULT_DAYS))
    until = _date_param(request, "until", today + timedelta(days=1))  # exclusive
    if (until - since).days > MAX_DAYS:
        raise invalid(f"Date range can't be more than {MAX_DAYS} days.")
    day = cast(func.timezone("UTC", Msg.created_on), Date)
    stmt = (
        select(
            day.label("day"),
            Channel.uuid,
            Channel.channel_type,
            Msg.msg_type,
            Msg.direction,
            func.count().label("count"),
        )
        .join(Channel, Channel.id == Msg.channel_id)
        .where(
            in_org(ctx, Msg),
            Channel.is_active.is_(True),
            Msg.created_on >= datetime.combine(since, datetime.min.time(), UTC),
            Msg.created_on < datetime.combine(until, datetime.min.time(), UTC),
            Msg.msg_type.in_(["T", "V"]),
        )
        .group_by(day, Channel.uuid, Channel.channel_type, Msg.msg_type, Msg.direction)
    )
    by_day: dict[date, dict[str, dict[str, Any]]] = defaultdict(dict)
    async with transaction() as session:
        for row in await session.execute(stmt):
            entry = by_day[row.day].setdefault(str(row.uuid), {"type": type_slug(row.channel_type)})
            entry[SCOPES[(row.msg_type, row.direction)]] = row.count
    return {"results": [{"date": d.isoformat(), "channels": by_day[d]} for d in sorted(by_day)]}
