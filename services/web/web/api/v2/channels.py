"""channels: list (GET)."""

from typing import Any

from fastapi import Request

from upesi.db.engine import transaction
from upesi.db.models import Channel
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import fmt_dt

ANDROID = "A"

# RapidPro's channel type codes (stored) and the slugs its API shows (temba/channels/types/*/type.py); a code
# missing here is shown as it is stored, and tests/web/api/rapidpro/test_channels.py checks that every type we
# can create has a slug
TYPE_SLUGS = {
    "AT": "africastalking", "A": "android", "AC": "arabiacell", "BW": "bandwidth", "BS": "burstsms",
    "CT": "clickatell", "CM": "clickmobile", "CS": "clicksend", "DA": "dartmedia", "D3C": "dialog360",
    "DK": "dmark", "EX": "external", "FBA": "facebook", "FB": "facebook_legacy", "FCM": "firebase",
    "FC": "freshchat", "GL": "globe", "HX": "high_connection", "HM": "hormuud", "H9": "hub9", "I2": "i2sms",
    "IB": "infobip", "IG": "instagram", "JS": "jasmin", "JC": "jiochat", "JCL": "justcall", "KWA": "kaleyra",
    "KN": "kannel", "LN": "line", "M3": "m3tech", "MK": "macrokiosk", "MB": "mblox", "MBD": "messagebird",
    "MG": "messangi", "MT": "mtarget", "MTN": "mtn", "NV": "novo", "PM": "playmobile", "PL": "plivo",
    "RC": "rocketchat", "SW": "signalwire", "SL": "slack", "SC": "smscentral", "TW": "somleng", "ST": "start",
    "TG": "telegram", "TS": "telesom", "TQ": "thinq", "TRN": "turn", "T": "twilio",
    "TMS": "twilio_messaging_service", "TWA": "twilio_whatsapp", "VP": "viber", "VK": "vk", "NX": "vonage",
    "WV": "wavy", "WC": "wechat", "WAC": "whatsapp", "YO": "yo", "ZVS": "zenvia_sms", "ZVW": "zenvia_whatsapp",
    # ours: RapidPro dropped its USSD types in 2023 (issue #20), so these slugs follow its naming, not its table
    "ATU": "africastalking_ussd", "EXU": "external_ussd",
}  # fmt: skip


def type_slug(code: str) -> str:
    return TYPE_SLUGS.get(code, code)


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
        "type": type_slug(c.channel_type),
        "country": c.country,
        "device": device,
        # only an Android phone checks in; other channels were never seen (RapidPro shows null for them)
        "last_seen": fmt_dt(c.modified_on) if c.channel_type == ANDROID else None,
        "created_on": fmt_dt(c.created_on),
    }


@endpoint(
    "channels",
    "GET",
    "channels.channel_list",
    summary="List channels",
    params=["uuid", "address"],
    response=objects.Page[objects.Channel],
)
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
