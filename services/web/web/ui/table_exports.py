"""The export buttons of the contact list, the message folders and a flow's results: each records an export
of what the page shows (built in the background by export_worker.py) and leads to its progress page."""

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.responses import Response

from upesi.db.models import ContactGroup, Flow
from upesi.db.models.labels import Label
from upesi.db.scoping import in_workspace
from web.ui.auth import CtxDep
from web.ui.export_pages import is_uuid, request_export
from web.ui.msgs import FOLDERS

router = APIRouter()


@router.get("/contact/export/")
async def export_contacts(ctx: CtxDep, group: str = "", search: str = "", format: str = "csv") -> Response:
    params: dict[str, Any] = {"title": "All contacts", "filename": "contacts"}
    if group:
        name = (
            None
            if not is_uuid(group)
            else (
                await ctx.db.execute(
                    select(ContactGroup.name).where(
                        in_workspace(ContactGroup, ctx.org.id), ContactGroup.uuid == group
                    )
                )
            ).scalar_one_or_none()
        )
        if name is None:
            raise HTTPException(status_code=404, detail="No such group")
        params.update(group=group, title=f"Contacts in {name}", filename=f"contacts-{name}")
    if search.strip():
        params.update(search=search.strip(), title=f"{params['title']} matching {search.strip()}")
    return await request_export(ctx, "contacts", format, params)


@router.get("/msg/export/{folder}/")
async def export_messages(ctx: CtxDep, folder: str, label: str = "", format: str = "csv") -> Response:
    if folder == "label":
        name = (
            None
            if not is_uuid(label)
            else (
                await ctx.db.execute(
                    select(Label.name).where(in_workspace(Label, ctx.org.id), Label.uuid == label)
                )
            ).scalar_one_or_none()
        )
        if name is None:
            raise HTTPException(status_code=404, detail="No such label")
        params = {"label": label, "title": f"Messages labelled {name}", "filename": f"messages-{name}"}
    elif folder in FOLDERS:
        params = {
            "folder": folder,
            "title": f"{FOLDERS[folder][0]} messages",
            "filename": f"messages-{folder}",
        }
    else:
        raise HTTPException(status_code=404, detail="No such folder")
    return await request_export(ctx, "messages", format, params)


@router.get("/flow/export_results/{flow_uuid}/")
async def export_flow_results(ctx: CtxDep, flow_uuid: str, format: str = "csv") -> Response:
    name = (
        None
        if not is_uuid(flow_uuid)
        else (
            await ctx.db.execute(
                select(Flow.name).where(
                    in_workspace(Flow, ctx.org.id), Flow.uuid == flow_uuid, Flow.is_active
                )
            )
        ).scalar_one_or_none()
    )
    if name is None:
        raise HTTPException(status_code=404, detail="No such flow")
    params = {"flow": flow_uuid, "title": f"Results of {name}", "filename": f"{name}-runs"}
    return await request_export(ctx, "flow_results", format, params)
