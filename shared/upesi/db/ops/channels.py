"""Adding channels to a workspace."""

import secrets
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


# channel types whose provider echoes a secret we register with the webhook (Telegram's secret_token)
WEBHOOK_SECRET = "webhook_secret"
WEBHOOK_SECRET_TYPES = frozenset({"TG"})


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
    if channel_type in WEBHOOK_SECRET_TYPES and not config.get(WEBHOOK_SECRET):
        # registered with the provider's webhook and checked by courier on every callback
        config = {**config, WEBHOOK_SECRET: secrets.token_urlsafe(32)}
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
