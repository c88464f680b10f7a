"""Adding channels to a workspace."""

import secrets
import uuid as uuidlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from upesi.channeltypes import WEBHOOK_SECRET, get_channel_type
from upesi.db.models import Channel


async def add_channel(
    session: AsyncSession,
    org_id: int,
    channel_type: str,
    address: str,
    config: dict[str, Any],
    *,
    uuid: str | None = None,
    name: str | None = None,
    country: str | None = None,
    tps: int = 10,
    schemes: list[str] | None = None,
) -> Channel:
    channel_type = channel_type.upper()
    declared = get_channel_type(channel_type)
    if declared and declared.webhook_secret and not config.get(WEBHOOK_SECRET):
        # registered with the provider's webhook and checked by courier on every callback
        config = {**config, WEBHOOK_SECRET: secrets.token_urlsafe(32)}
    channel = Channel(
        uuid=uuid or str(uuidlib.uuid4()),
        org_id=org_id,
        channel_type=channel_type,
        name=name or f"{declared.name if declared else channel_type} {address}".strip(),
        address=address,
        country=country.upper() if country else None,
        schemes=schemes or config.get("schemes") or list(declared.schemes if declared else ("tel",)),
        config=config,
        tps=tps,
        role=declared.roles_for(config) if declared else "SR",
    )
    session.add(channel)
    await session.flush()
    return channel
