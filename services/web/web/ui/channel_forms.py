"""Adding a channel: one small config form per channel type (the config fields its declaration in
upesi.channeltypes lists), then the channel's page shows the callback URLs to paste into the provider."""

import logging
from typing import Annotated
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.channeltypes import CHANNEL_TYPES, TYPE_NAMES, WEBHOOK_SECRET, ConfigRefused
from upesi.config import get_settings
from upesi.db.ops.channels import add_channel
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/channels/channel/claim/")
async def claim_page(request: Request, ctx: CtxDep, channel_type: str = "EX") -> Response:
    ctx.require("channel_edit")
    declared = CHANNEL_TYPES.get(channel_type) or CHANNEL_TYPES["EX"]
    return render(
        request,
        "channels/claim.html",
        {"ctx": ctx, "types": TYPE_NAMES, "current": declared.code, "address_label": declared.address_label,
         "fields": [(f.key, f.label, f.default, f.multiline) for f in declared.config], "error": request.query_params.get("error")},
    )  # fmt: skip


@router.post("/channels/channel/claim/", dependencies=[Csrf])
async def claim(
    request: Request, ctx: CtxDep, channel_type: Annotated[str, Form()], address: Annotated[str, Form()]
) -> Response:
    ctx.require("channel_edit")
    declared = CHANNEL_TYPES.get(channel_type)
    if declared is None:
        return RedirectResponse("/channels/channel/claim/?error=Unknown channel type", status_code=303)
    form = await request.form()
    # a textarea's line breaks come as CRLF: a PEM key is kept with LF, as the provider gave it
    config = {f.key: str(form.get(f.key) or "").replace("\r\n", "\n").strip() for f in declared.config}
    config = {k: v for k, v in config.items() if v}
    if not address.strip():
        return RedirectResponse(
            f"/channels/channel/claim/?channel_type={channel_type}&error=An address is required",
            status_code=303,
        )
    if declared.check:  # the provider is asked before the channel exists (RapidPro's Telegram getMe)
        try:
            await declared.check(config)
        except ConfigRefused as e:
            query = urlencode({"channel_type": channel_type, "error": e.message})
            return RedirectResponse(f"/channels/channel/claim/?{query}", status_code=303)
    channel = await add_channel(
        ctx.db, ctx.org.id, channel_type, address.strip(), config, country=ctx.org.country
    )
    await ctx.db.commit()
    if declared.webhook_secret:
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
