"""Editing a channel (its name and the config fields its type declares in upesi.channeltypes, as the claim
form) and removing it (RapidPro's release: its messages stay, unsent ones fail)."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.channeltypes import TYPE_NAMES, get_channel_type
from upesi.db.models import Channel
from upesi.domain.channels import release_channel, update_channel
from upesi.domain.errors import DomainError
from web.ui.auth import Csrf, CtxDep
from web.ui.channels import _channel, secrets_of
from web.ui.render import render

router = APIRouter()


def _form(ctx: Any, channel: Channel, name: str, error: DomainError | None) -> dict[str, Any]:
    declared = get_channel_type(channel.channel_type)
    secrets = secrets_of(channel)
    config = channel.config or {}
    fields = [
        # a secret is never shown back: left blank, it stays as it is
        (f.key, f.label, "" if str(config.get(f.key, "")) in secrets else str(config.get(f.key, "")),
         str(config.get(f.key, "")) in secrets, f.multiline)
        for f in (declared.config if declared else ())
    ]  # fmt: skip
    return {
        "ctx": ctx,
        "channel": channel,
        "types": TYPE_NAMES,
        "name": name,
        "fields": fields,
        "error": error,
    }


@router.get("/channels/channel/update/{channel_uuid}/")
async def update_page(request: Request, ctx: CtxDep, channel_uuid: str) -> Response:
    ctx.require("channel_edit")
    channel = await _channel(ctx, channel_uuid)
    if channel is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such channel"}, 404)
    return render(request, "channels/update.html", _form(ctx, channel, channel.name, None))


@router.post("/channels/channel/update/{channel_uuid}/", dependencies=[Csrf])
async def update(
    request: Request, ctx: CtxDep, channel_uuid: str, name: Annotated[str, Form()] = ""
) -> Response:
    ctx.require("channel_edit")
    channel = await _channel(ctx, channel_uuid)
    if channel is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such channel"}, 404)
    form = await request.form()
    config = {
        str(k): str(v).replace("\r\n", "\n") for k, v in form.items() if k not in ("name", "csrf_token")
    }
    try:
        await update_channel(channel, name, config)
    except DomainError as e:
        await ctx.db.rollback()
        channel = await _channel(ctx, channel_uuid)
        assert channel is not None
        return render(request, "channels/update.html", _form(ctx, channel, name, e), 400)
    await ctx.db.commit()
    return RedirectResponse(f"/channels/channel/read/{channel.uuid}/", status_code=303)


@router.post("/channels/channel/delete/{channel_uuid}/", dependencies=[Csrf])
async def delete(request: Request, ctx: CtxDep, channel_uuid: str) -> Response:
    ctx.require("channel_edit")
    channel = await _channel(ctx, channel_uuid)
    if channel is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such channel"}, 404)
    released = await release_channel(ctx.db, channel)
    await ctx.db.commit()
    notice = f"Your channel {channel.name} has been removed."
    if released.failed_msgs:
        notice += f" {released.failed_msgs} unsent messages failed."
    return RedirectResponse(f"/channels/?{urlencode({'notice': notice})}", status_code=303)
