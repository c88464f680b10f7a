"""A workspace's assets in the engine's static-source shape, read from Postgres in a handful of queries."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from upesi.db.models import Channel, ContactField, ContactGroup, Flow, FlowRevision, Org

FIELD_TYPES = {"T": "text", "N": "number", "D": "datetime", "S": "state", "I": "district", "W": "ward"}
DATE_FORMATS = {"D": "DD-MM-YYYY", "M": "MM-DD-YYYY", "Y": "YYYY-MM-DD"}


def environment_for(org: Org) -> dict[str, Any]:
    """The engine environment of a workspace."""
    env: dict[str, Any] = {
        "date_format": DATE_FORMATS.get(org.date_format, "DD-MM-YYYY"),
        "time_format": "tt:mm",
        "timezone": org.timezone or "UTC",
        "allowed_languages": list(org.languages or []),
        "redaction_policy": "urns" if org.is_anon else "none",
    }
    if org.country:
        env["default_country"] = org.country
    return env


async def load_assets(session: AsyncSession, org_id: int) -> dict[str, Any]:
    """Every active flow's latest definition, fields, groups and channels of the workspace."""
    latest = (
        select(FlowRevision.flow_id, FlowRevision.definition)
        .ext(distinct_on(FlowRevision.flow_id))
        .join(Flow, Flow.id == FlowRevision.flow_id)
        .where(Flow.org_id == org_id, Flow.is_active)
        .order_by(FlowRevision.flow_id, FlowRevision.revision.desc())
    )
    flows = [row.definition for row in await session.execute(latest)]
    fields = (
        await session.execute(select(ContactField).where(ContactField.org_id == org_id, ContactField.is_active))
    ).scalars()
    groups = (
        await session.execute(select(ContactGroup).where(ContactGroup.org_id == org_id, ContactGroup.is_active))
    ).scalars()
    channels = (await session.execute(select(Channel).where(Channel.org_id == org_id, Channel.is_active))).scalars()
    return {
        "flows": flows,
        "fields": [{"uuid": f.uuid, "key": f.key, "name": f.name, "type": FIELD_TYPES.get(f.value_type, "text")} for f in fields],
        "groups": [{"uuid": g.uuid, "name": g.name, **({"query": g.query} if g.query else {})} for g in groups],
        "channels": [channel_asset(c) for c in channels],
    }


def channel_asset(channel: Channel) -> dict[str, Any]:
    roles = {"S": "send", "R": "receive", "C": "call", "A": "answer"}
    return {
        "uuid": channel.uuid,
        "name": channel.name,
        "address": channel.address,
        "schemes": list(channel.schemes),
        "roles": [roles[r] for r in channel.role if r in roles],
        **({"country": channel.country} if channel.country else {}),
    }
