"""The flow list (with run counts), create, archive/restore, import of a RapidPro export, and export."""

import json
import uuid as uuidlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.config import get_settings
from upesi.db.models import Flow, FlowRun
from upesi.db.ops.flows import save_flow
from upesi.db.scoping import in_workspace
from upesi.domain.exports import export_definitions
from upesi.domain.imports import import_definitions, preview_import, queue_campaign_scheduling
from upesi.domain.imports.uuids import is_uuid
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
TYPE_NAMES = {"M": "Messaging", "B": "Background", "S": "Surveyor", "V": "Voice"}


@router.get("/flow/")
@router.get("/flow/archived/")
async def flow_list(request: Request, ctx: CtxDep, search: str = "") -> Response:
    ctx.require("flow_read")
    archived = request.url.path.endswith("/archived/")
    runs = (
        select(
            FlowRun.flow_id,
            func.count().label("runs"),
            func.count().filter(FlowRun.status == "C").label("completed"),
            func.count().filter(FlowRun.status.in_(("A", "W"))).label("active"),
        )
        .where(in_workspace(FlowRun, ctx.org.id))
        .group_by(FlowRun.flow_id)
        .subquery()
    )
    query = (
        select(
            Flow,
            func.coalesce(runs.c.runs, 0),
            func.coalesce(runs.c.completed, 0),
            func.coalesce(runs.c.active, 0),
        )
        .outerjoin(runs, runs.c.flow_id == Flow.id)
        .where(
            in_workspace(Flow, ctx.org.id),
            Flow.is_active,
            Flow.is_archived.is_(archived),
            Flow.is_system.is_(False),
        )
        .order_by(Flow.modified_on.desc())
    )
    if search.strip():
        query = query.where(Flow.name.ilike(f"%{search.strip()}%"))
    flows = [
        {
            "flow": f,
            "type": TYPE_NAMES.get(f.flow_type, ""),
            "runs": n,
            "completed": c,
            "active": a,
            "completion": round(100 * c / n) if n else 0,
        }
        for f, n, c, a in await ctx.db.execute(query)
    ]
    return render(
        request, "flows/list.html", {"ctx": ctx, "flows": flows, "archived": archived, "search": search}
    )


@router.post("/flow/create/", dependencies=[Csrf])
async def flow_create(
    request: Request,
    ctx: CtxDep,
    name: Annotated[str, Form()],
    flow_type: Annotated[str, Form()] = "messaging",
) -> Response:
    ctx.require("flow_edit")
    name = name.strip()[:64]
    if not name:
        return RedirectResponse("/flow/?error=name", status_code=303)
    language = (ctx.org.languages or ["eng"])[0]
    definition: dict[str, Any] = {
        "uuid": str(uuidlib.uuid4()),
        "name": name,
        "spec_version": "14.4.2",
        "language": language,
        "type": flow_type if flow_type in ("messaging", "messaging_background", "voice") else "messaging",
        "revision": 0,
        "expire_after_minutes": 5 if flow_type == "voice" else 10080,
        "localization": {},
        "nodes": [],
        "_ui": {"nodes": {}, "stickies": {}},
    }
    flow = await save_flow(ctx.db, ctx.org.id, definition, user_id=ctx.user.id)
    await ctx.db.commit()
    return RedirectResponse(f"/flow/editor/{flow.uuid}/", status_code=303)


@router.post("/flow/archive/", dependencies=[Csrf])
async def flow_archive(
    ctx: CtxDep, flows: Annotated[list[str], Form()], action: Annotated[str, Form()] = "archive"
) -> Response:
    """Archive (or restore) the selected flows; archived flows stop answering triggers."""
    ctx.require("flow_edit")
    await ctx.db.execute(
        update(Flow)
        .where(in_workspace(Flow, ctx.org.id), Flow.uuid.in_(flows))
        .values(is_archived=(action == "archive"), modified_on=datetime.now(UTC))
    )
    await ctx.db.commit()
    return RedirectResponse("/flow/archived/" if action == "restore" else "/flow/", status_code=303)


@router.get("/flow/import/")
async def import_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require("flow_edit")
    return render(request, "flows/import.html", {"ctx": ctx, "error": None, "report": None, "document": None})


@router.post("/flow/import/", dependencies=[Csrf])
async def import_preview(request: Request, ctx: CtxDep, file: UploadFile) -> Response:
    """Step one: what the file would create, update and skip, with nothing written; the page then carries
    the document to the confirm step."""
    ctx.require("flow_edit")
    text = (await file.read()).decode("utf-8", errors="replace")
    return await _import(request, ctx, text, preview=True)


@router.post("/flow/import/confirm/", dependencies=[Csrf])
async def import_confirm(request: Request, ctx: CtxDep, document: Annotated[str, Form()]) -> Response:
    """Step two: the import itself, in one transaction, then its report."""
    ctx.require("flow_edit")
    return await _import(request, ctx, document, preview=False)


async def _import(request: Request, ctx: CtxDep, text: str, *, preview: bool) -> Response:
    error, report = None, None
    try:
        export = json.loads(text)
        do = preview_import if preview else import_definitions
        report = await do(ctx.db, org_id=ctx.org.id, export=export, user_id=ctx.user.id)
        if not preview:
            await ctx.db.commit()
            await queue_campaign_scheduling(org_id=ctx.org.id, event_ids=report.event_ids)
    except ValueError as e:  # not JSON, or refused (ImportRefused): the workspace is as it was
        await ctx.db.rollback()
        error = f"This file could not be imported: {e}"
    except IntegrityError as e:  # a conflict we did not foresee: refused loudly, never a 500
        await ctx.db.rollback()
        error = f"This file could not be imported: it conflicts with this workspace ({e.orig})"
    context = {"ctx": ctx, "error": error, "report": report, "document": text if preview and report else None}
    return render(request, "flows/import.html", context, 400 if error else 200)


@router.get("/flow/export/")
async def export(
    ctx: CtxDep, uuid: Annotated[list[str] | None, Query()] = None, dependencies: str = "all"
) -> Response:
    """A RapidPro definitions export of the chosen flows with what RapidPro's dependency graph brings
    (upesi.domain.exports, as the API's definitions), as a download."""
    ctx.require("flow_read")
    deps = dependencies if dependencies in ("none", "flows", "all") else "all"
    wanted = [u for u in uuid or [] if is_uuid(u)]
    body = await export_definitions(
        ctx.db,
        org_id=ctx.org.id,
        flow_uuids=wanted,
        dependencies=deps,
        site=get_settings().web_url,
    )
    chosen = [f["name"] for f in body["flows"] if f.get("uuid") in wanted]
    name = (chosen[0] if len(wanted) == 1 and chosen else "flows").replace('"', "")
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
