"""The callback URLs a provider must be given for a channel, built on COURIER_URL."""

from upesi.config import get_settings

# actions each channel family registers under /c/{type}/{uuid}/...; families not listed use receive only
ACTIONS: dict[str, list[str]] = {
    "EX": ["receive", "sent", "delivered", "failed", "stopped"],
    "T": ["receive", "status"],
    "TMS": ["receive", "status"],
    "TW": ["receive", "status"],
    "TWA": ["receive", "status"],
    "SW": ["receive", "status"],
    "NX": ["receive", "status"],
    "AT": ["receive", "status"],
    "KN": ["receive", "status"],
    "TG": ["receive"],
}
# Meta's webhooks are one per platform, not per channel: the channel is found from the payload
WEBHOOK_ONLY = {"WAC": "wac", "FBA": "fba"}


def callback_urls(channel_type: str, channel_uuid: str, base: str | None = None) -> dict[str, str]:
    base = (base or get_settings().courier_url).rstrip("/")
    if channel_type in WEBHOOK_ONLY:
        return {"receive": f"{base}/c/{WEBHOOK_ONLY[channel_type]}/receive"}
    slug = channel_type.lower()
    return {
        action: f"{base}/c/{slug}/{channel_uuid}/{action}"
        for action in ACTIONS.get(channel_type, ["receive"])
    }
