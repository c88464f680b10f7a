"""GET /flow/editor/{uuid}/: the page that embeds @nyaruka/flow-editor with its configuration."""

import time

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from upesi.db.models import ContactGroup
from upesi.db.models.flows import FLOW_TYPES
from upesi.db.scoping import in_workspace
from web.ui.auth import CtxDep
from web.ui.editor.common import get_flow
from web.ui.render import render
from web.ui.static import editor_assets, editor_installed

router = APIRouter()


def editor_config(flow_uuid: str, flow_type: str, org_id: int, mutable: bool) -> dict:
    a = "/flow/assets"
    return {
        "flow": flow_uuid,
        "flowType": flow_type,
        "localStorage": True,
        "mutable": mutable,
        "showDownload": True,
        "filters": [],
        "brand": "Upesi",
        "help": {"legacy_extra": "/flow/", "missing_dependency": "/flow/", "invalid_regex": "/flow/"},
        "endpoints": {
            "groups": f"{a}/groups/",
            "fields": f"{a}/fields/",
            "labels": f"{a}/labels/",
            "optins": f"{a}/optins/",
            "channels": f"{a}/channels/",
            "classifiers": f"{a}/classifiers/",
            "resthooks": f"{a}/resthooks/",
            "templates": f"{a}/templates/",
            "flows": f"{a}/flows/?archived=false",
            "globals": f"{a}/globals/",
            "users": f"{a}/users/",
            "topics": f"{a}/topics/",
            "llms": f"{a}/llms/",
            "editor": "/flow/editor",
            "revisions": f"/flow/revisions/{flow_uuid}/",
            "recents": f"/flow/recent_contacts/{flow_uuid}/",
            "attachments": "/msg/media_upload/",
            "languages": f"{a}/{org_id}/{int(time.time())}/language/",
            "workspace": f"{a}/workspace.json",
            "activity": f"/flow/activity/{flow_uuid}/",
            "recipients": "/contact/omnibox/?v=2&types=gc",
            "contacts": "/contact/omnibox/?v=2&types=c",
            "contact": "/contact/read/",
            "simulateStart": f"/flow/simulate/{flow_uuid}/",
            "simulateResume": f"/flow/simulate/{flow_uuid}/",
        },
    }


@router.get("/flow/editor/{flow_uuid}/")
async def editor_page(request: Request, ctx: CtxDep, flow_uuid: str) -> Response:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    config = editor_config(
        flow.uuid, FLOW_TYPES.get(flow.flow_type, "messaging"), ctx.org.id, ctx.can("flow_edit")
    )
    return render(
        request,
        "flows/editor.html",
        {
            "ctx": ctx,
            "flow": flow,
            "config": config,
            "installed": editor_installed(),
            "assets": editor_assets() if editor_installed() else {"js": [], "css": []},
            # the start dialog's groups (contacts are searched, the query is typed)
            "groups": list(
                (
                    await ctx.db.execute(
                        select(ContactGroup)
                        .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
                        .order_by(ContactGroup.name)
                    )
                ).scalars()
            )
            if ctx.can("flow_edit") and not flow.is_archived
            else [],
            "start_error": request.query_params.get("start_error"),
        },
    )
