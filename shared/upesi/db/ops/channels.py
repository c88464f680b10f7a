"""Adding channels to a workspace."""

import uuid as uuidlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel

# schemes a channel type speaks, where it is not plain tel
TYPE_SCHEMES = {
    "TG": ["telegram"],
    "WAC": ["whatsapp"],
    "TWA": ["whatsapp"],
    "FBA": ["facebook"],
}
TYPE_NAMES = {
    "EX": "External API",
    "T": "Twilio",
    "TMS": "Twilio Messaging Service",
    "TW": "TwiML API",
    "TWA": "Twilio WhatsApp",
    "SW": "SignalWire",
    "NX": "Vonage",
    "TG": "Telegram",
    "WAC": "WhatsApp",
    "FBA": "Facebook Messenger",
    "AT": "Africa's Talking",
    "KN": "Kannel",
}


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
    channel = Channel(
        uuid=uuid or str(uuidlib.uuid4()),
        org_id=org_id,
        channel_type=channel_type,
        name=name or f"{TYPE_NAMES.get(channel_type, channel_type)} {address}".strip(),
        address=address,
        country=country.upper() if country else None,
        schemes=schemes or config.get("schemes") or TYPE_SCHEMES.get(channel_type, ["tel"]),
        config=config,
        tps=tps,
    )
    session.add(channel)
    await session.flush()
    return channel
