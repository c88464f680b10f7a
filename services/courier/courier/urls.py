"""The callback URLs a provider must be given for a channel, built on COURIER_URL."""

from upesi.config import get_settings

# actions each channel family registers under /c/{type}/{uuid}/...; families not listed use receive only
ACTIONS: dict[str, list[str]] = {
    "EX": ["receive", "sent", "delivered", "failed", "stopped"],
}


def callback_urls(channel_type: str, channel_uuid: str, base: str | None = None) -> dict[str, str]:
    base = (base or get_settings().courier_url).rstrip("/")
    slug = channel_type.lower()
    return {
        action: f"{base}/c/{slug}/{channel_uuid}/{action}"
        for action in ACTIONS.get(channel_type, ["receive"])
    }
