"""The flow list (with run counts), create, archive/restore, import of a RapidPro export, and export."""

import json
import uuid as uuidlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from sqlalchemy import func, select, update
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.db.models import Flow, FlowRun
from upesi.db.ops.flows import latest_definition, save_flow
from upesi.db.ops.imports import ImportError_, import_export
from upesi.db.scoping import in_workspace
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
    return render(request, "flows/import.html", {"ctx": ctx, "error": None, "summary": None})


@router.post("/flow/import/", dependencies=[Csrf])
async def import_submit(request: Request, ctx: CtxDep, file: UploadFile) -> Response:
    ctx.require("flow_edit")
    error, summary = None, None
    try:
        export = json.loads(await file.read())
        summary = await import_export(ctx.db, ctx.org.id, export, user_id=ctx.user.id)
        await ctx.db.commit()
    except (ValueError, ImportError_) as e:
        await ctx.db.rollback()
        error = f"This file could not be imported: {e}"
    except ImportError as e:  # the export reader is part of the engine, which may not be installed yet
        await ctx.db.rollback()
        error = f"Importing is not available: {e}"
    status = 400 if error else 200
    return render(request, "flows/import.html", {"ctx": ctx, "error": error, "summary": summary}, status)


@router.get("/flow/export/")
async def export(ctx: CtxDep, uuid: Annotated[list[str] | None, Query()] = None) -> Response:
    """A RapidPro definitions export of the chosen flows (their latest revisions), as a download."""
    ctx.require("flow_read")
    wanted = uuid or []
    flows = (
        (
            await ctx.db.execute(
                select(Flow)
                .where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.uuid.in_(wanted))
                .order_by(Flow.name)
            )
        )
        .scalars()
        .all()
    )
    definitions = [await latest_definition(ctx.db, f.id) for f in flows]
    body = {
        "version": "13",
        "site": "upesi",
        "flows": definitions,
        "campaigns": [],
        "triggers": [],
        "fields": [],
        "groups": [],
    }
    name = (flows[0].name if len(flows) == 1 else "flows").replace('"', "")
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
