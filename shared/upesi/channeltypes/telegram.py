"""Telegram (TG); its handler is courier/handlers/telegram.py."""

import asyncio

import httpx

from upesi.channeltypes import ChannelType, ConfigField, ConfigRefused
from upesi.config import get_settings
from upesi.netguard import DisallowedAddress, check_url

INVALID_TOKEN = "Your authentication token is invalid, please check and try again"  # RapidPro's message


async def check_bot_token(config: dict[str, str]) -> None:
    """RapidPro's claim check: GET /bot<token>/getMe must answer 200 with ok true. The base URL is the
    TELEGRAM_API_URL setting (setWebhook's), so tests point it at a local fake Telegram."""
    token = config.get("auth_token", "")
    if not token:
        raise ConfigRefused("auth_token", "This field is required.")
    url = f"{get_settings().telegram_api_url.rstrip('/')}/bot{token}/getMe"
    try:
        await asyncio.to_thread(check_url, url)  # the SSRF guard courier and mailroom use
        async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
            response = await client.get(url)
    except (httpx.HTTPError, DisallowedAddress) as e:
        raise ConfigRefused("auth_token", f"Telegram could not be reached to check the token ({e}).") from e
    try:
        body = response.json()
        ok = response.status_code == 200 and isinstance(body, dict) and body.get("ok") is True
    except ValueError:
        ok = False
    if not ok:
        raise ConfigRefused("auth_token", INVALID_TOKEN)


TG = ChannelType(
    code="TG",
    name="Telegram",
    address_label="Bot username",
    config=(ConfigField("auth_token", "Bot token"),),
    schemes=("telegram",),
    webhook_secret=True,
    check=check_bot_token,
)

TYPES = (TG,)
