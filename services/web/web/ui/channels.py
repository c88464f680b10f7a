"""Channels: the list, a channel's page with the callback URLs to give the provider, and its logs with
secrets redacted."""

import base64
import json
import re
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import Response

from upesi.channeltypes import TYPE_NAMES, callback_urls
from upesi.db.models import Channel, ChannelLog, Msg
from upesi.db.scoping import in_workspace
from web.ui.auth import CtxDep
from web.ui.render import render

router = APIRouter()
SECRET_HINTS = ("token", "secret", "password", "key", "auth")
MASK = "**********"
# config pairs that providers take as HTTP basic auth: the log may quote base64("user:secret"), not the secret
BASIC_AUTH_PAIRS = (
    ("account_sid", "auth_token"),
    ("username", "password"),
    ("nexmo_api_key", "nexmo_api_secret"),
)
# credentials in request headers are masked whatever they are (a secret since rotated is no longer in config)
AUTH_HEADER = re.compile(
    r"(?im)^((?:proxy-)?authorization|x-api-key|api-key|x-auth-token)(:[ \t]*)(?:(basic|bearer|token) )?(\S[^\r\n]*)"
)


def secrets_of(channel: Channel) -> list[str]:
    """Config values that look like credentials: never shown, and masked wherever logs quote them."""
    out = []
    for key, value in (channel.config or {}).items():
        if isinstance(value, str) and len(value) >= 4 and any(h in key.lower() for h in SECRET_HINTS):
            out.append(value)
    config = channel.config or {}
    for user_key, secret_key in BASIC_AUTH_PAIRS:
        user, secret = config.get(user_key), config.get(secret_key)
        if isinstance(user, str) and isinstance(secret, str) and user and secret:
            out.append(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return out


def redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, MASK)
        return AUTH_HEADER.sub(lambda m: f"{m[1]}{m[2]}{m[3] + ' ' if m[3] else ''}{MASK}", value)
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    return value


async def _channel(ctx: Any, channel_uuid: str) -> Channel | None:
    try:
        return (
            await ctx.db.execute(
                select(Channel).where(
                    in_workspace(Channel, ctx.org.id), Channel.uuid == channel_uuid, Channel.is_active
                )
            )
        ).scalar_one_or_none()
    except Exception:
        await ctx.db.rollback()
        return None


@router.get("/channels/")
async def channel_list(request: Request, ctx: CtxDep) -> Response:
    ctx.require("channel_read")
    channels = (
        (
            await ctx.db.execute(
                select(Channel)
                .where(in_workspace(Channel, ctx.org.id), Channel.is_active)
                .order_by(Channel.name)
            )
        )
        .scalars()
        .all()
    )
    counts: dict[int | None, int] = dict(
        (
            await ctx.db.execute(
                select(Msg.channel_id, func.count())
                .where(in_workspace(Msg, ctx.org.id))
                .group_by(Msg.channel_id)
            )
        ).all()
    )
    return render(
        request,
        "channels/list.html",
        {
            "ctx": ctx,
            "channels": channels,
            "counts": counts,
            "types": TYPE_NAMES,
            "notice": request.query_params.get("notice"),
        },
    )


@router.get("/channels/channel/read/{channel_uuid}/")
async def channel_read(request: Request, ctx: CtxDep, channel_uuid: str) -> Response:
    ctx.require("channel_read")
    channel = await _channel(ctx, channel_uuid)
    if channel is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such channel"}, 404)
    secrets = secrets_of(channel)
    config = {
        k: (MASK if isinstance(v, str) and v in secrets else v) for k, v in (channel.config or {}).items()
    }
    return render(
        request,
        "channels/read.html",
        {
            "ctx": ctx,
            "channel": channel,
            "callbacks": callback_urls(channel.channel_type, channel.uuid),
            "config": config,
            "types": TYPE_NAMES,
        },
    )


@router.get("/channels/channellog/{channel_uuid}/")
async def channel_logs(request: Request, ctx: CtxDep, channel_uuid: str, errors: bool = False) -> Response:
    ctx.require("channel_read")
    channel = await _channel(ctx, channel_uuid)
    if channel is None:
        return render(request, "error.html", {"ctx": ctx, "status": 404, "message": "No such channel"}, 404)
    query = select(ChannelLog).where(ChannelLog.channel_id == channel.id)
    if errors:
        query = query.where(ChannelLog.is_error)
    logs = (await ctx.db.execute(query.order_by(ChannelLog.id.desc()).limit(100))).scalars().all()
    secrets = secrets_of(channel)
    entries = [
        {
            "log": log,
            "http": json.dumps(redact(log.http_logs, secrets), indent=2),
            "errors": redact(log.errors, secrets),
        }
        for log in logs
    ]
    return render(
        request,
        "channels/logs.html",
        {"ctx": ctx, "channel": channel, "entries": entries, "errors_only": errors},
    )
