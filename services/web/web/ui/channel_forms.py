"""Adding a channel: one small config form per courier type (the fields its handler reads), then the
channel's page shows the callback URLs to paste into the provider."""

import logging
from typing import Annotated

import httpx
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.config import get_settings
from upesi.db.ops.channels import TYPE_NAMES, WEBHOOK_SECRET, WEBHOOK_SECRET_TYPES, add_channel
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

log = logging.getLogger(__name__)
router = APIRouter()

# type → (what the address is, [(config key, label, default)])
TYPE_FORMS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "EX": ("Phone number or short code", [("send_url", "Send URL", ""), ("send_method", "Send method (GET, POST, PUT)", "POST"),
                                          ("content_type", "Content type (urlencoded, json, xml)", "urlencoded"),
                                          ("send_authorization", "Authorization header (optional)", "")]),
    "T": ("Twilio phone number", [("account_sid", "Account SID", ""), ("auth_token", "Auth token", "")]),
    "TMS": ("Messaging service SID", [("account_sid", "Account SID", ""), ("auth_token", "Auth token", ""),
                                      ("messaging_service_sid", "Messaging service SID", "")]),
    "TWA": ("WhatsApp number", [("account_sid", "Account SID", ""), ("auth_token", "Auth token", "")]),
    "TW": ("Phone number", [("account_sid", "Account SID", ""), ("auth_token", "Auth token", ""),
                            ("send_url", "TwiML API base URL", "")]),
    "SW": ("Phone number", [("account_sid", "Project ID", ""), ("auth_token", "API token", ""),
                            ("send_url", "Space URL (https://<space>.signalwire.com)", "")]),
    "TG": ("Bot username", [("auth_token", "Bot token", "")]),
    "WAC": ("Phone number ID", [("auth_token", "Access token", "")]),
    "FBA": ("Page ID", [("auth_token", "Page access token", "")]),
    "AT": ("Short code", [("username", "Username", ""), ("api_key", "API key", "")]),
    "KN": ("Phone number or short code", [("send_url", "Send URL", ""), ("username", "Username", ""), ("password", "Password", "")]),
    "NX": ("Phone number", [("nexmo_api_key", "API key", ""), ("nexmo_api_secret", "API secret", "")]),
}  # fmt: skip


@router.get("/channels/channel/claim/")
async def claim_page(request: Request, ctx: CtxDep, channel_type: str = "EX") -> Response:
    ctx.require("channel_edit")
    channel_type = channel_type if channel_type in TYPE_FORMS else "EX"
    return render(
        request,
        "channels/claim.html",
        {"ctx": ctx, "types": {t: TYPE_NAMES.get(t, t) for t in TYPE_FORMS}, "current": channel_type,
         "address_label": TYPE_FORMS[channel_type][0], "fields": TYPE_FORMS[channel_type][1],
         "error": request.query_params.get("error")},
    )  # fmt: skip


@router.post("/channels/channel/claim/", dependencies=[Csrf])
async def claim(
    request: Request, ctx: CtxDep, channel_type: Annotated[str, Form()], address: Annotated[str, Form()]
) -> Response:
    ctx.require("channel_edit")
    if channel_type not in TYPE_FORMS:
        return RedirectResponse("/channels/channel/claim/?error=Unknown channel type", status_code=303)
    form = await request.form()
    config = {key: str(form.get(key) or "").strip() for key, _, _ in TYPE_FORMS[channel_type][1]}
    config = {k: v for k, v in config.items() if v}
    if not address.strip():
        return RedirectResponse(
            f"/channels/channel/claim/?channel_type={channel_type}&error=An address is required",
            status_code=303,
        )
    channel = await add_channel(
        ctx.db, ctx.org.id, channel_type, address.strip(), config, country=ctx.org.country
    )
    await ctx.db.commit()
    if channel_type in WEBHOOK_SECRET_TYPES:
        await _register_telegram_webhook(channel.uuid, channel.config)
    return RedirectResponse(f"/channels/channel/read/{channel.uuid}/", status_code=303)


async def _register_telegram_webhook(channel_uuid: str, config: dict[str, str]) -> None:
    """Point the bot's webhook at courier with the channel's secret_token, which Telegram then sends back in
    X-Telegram-Bot-Api-Secret-Token and courier checks. A failure is logged; the channel page shows the URL
    for registering it by hand."""
    settings = get_settings()
    url = f"{settings.courier_url.rstrip('/')}/c/tg/{channel_uuid}/receive"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{settings.telegram_api_url.rstrip('/')}/bot{config.get('auth_token', '')}/setWebhook",
                data={"url": url, "secret_token": config[WEBHOOK_SECRET]},
            )
            response.raise_for_status()
    except httpx.HTTPError as e:
        log.warning("telegram webhook not registered", extra={"channel_uuid": channel_uuid, "error": str(e)})
