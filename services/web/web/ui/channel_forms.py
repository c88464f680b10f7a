"""Adding a channel: one small config form per channel type (the config fields its declaration in
upesi.channeltypes lists), then the channel's page shows the callback URLs to paste into the provider."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.channeltypes import CHANNEL_TYPES, TYPE_NAMES
from upesi.db.ops.channels import add_channel
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()


@router.get("/channels/channel/claim/")
async def claim_page(request: Request, ctx: CtxDep, channel_type: str = "EX") -> Response:
    ctx.require("channel_edit")
    declared = CHANNEL_TYPES.get(channel_type) or CHANNEL_TYPES["EX"]
    return render(
        request,
        "channels/claim.html",
        {"ctx": ctx, "types": TYPE_NAMES, "current": declared.code, "address_label": declared.address_label,
         "fields": [(f.key, f.label, f.default) for f in declared.config], "error": request.query_params.get("error")},
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
    config = {f.key: str(form.get(f.key) or "").strip() for f in declared.config}
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
    return RedirectResponse(f"/channels/channel/read/{channel.uuid}/", status_code=303)
