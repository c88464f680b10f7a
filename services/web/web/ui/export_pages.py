"""The exports of a workspace: asking for one (the entry points in table_exports.py call
`request_export`), its progress page and the small JSON the page polls, the list of recent exports, and
the download of a finished file. Exports of another workspace are 404s: their uuids are not ours."""

import uuid as uuidlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from upesi.db.models import Export, User
from upesi.db.models.exports import EXPORT_FORMATS, EXPORT_STATUSES
from upesi.db.scoping import in_workspace
from web.ui.auth import Ctx, CtxDep
from web.ui.export_worker import exports_dir, wake_worker
from web.ui.exports import MEDIA_TYPES
from web.ui.render import render

router = APIRouter()
# who may ask for, watch and download each kind of export
PERMISSIONS = {"contacts": "contact_read", "messages": "msg_read", "flow_results": "flow_read"}
LIST_SIZE = 50


async def request_export(ctx: Ctx, export_type: str, fmt: str, params: dict[str, Any]) -> Response:
    """Record an export for the worker and send the user to its progress page. Asking again for the
    same export while it is still being built leads to that one instead of a second copy."""
    ctx.require(PERMISSIONS[export_type])
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(status_code=400, detail=f"format: must be one of {', '.join(EXPORT_FORMATS)}")
    same = (
        await ctx.db.execute(
            select(Export).where(
                in_workspace(Export, ctx.org.id),
                Export.created_by_id == ctx.user.id,
                Export.export_type == export_type,
                Export.file_format == fmt,
                Export.params == params,
                Export.status.in_(("P", "O")),
            )
        )
    ).scalar_one_or_none()
    if same is None:
        same = Export(
            uuid=str(uuidlib.uuid4()),
            org_id=ctx.org.id,
            created_by_id=ctx.user.id,
            export_type=export_type,
            file_format=fmt,
            params=params,
        )
        ctx.db.add(same)
        await ctx.db.commit()
        wake_worker()
    return RedirectResponse(f"/export/{same.uuid}/", status_code=303)


def is_uuid(text: str) -> bool:
    """Whether `text` can be compared with a UUID column (anything else is an error in PostgreSQL)."""
    try:
        uuidlib.UUID(text)
        return True
    except ValueError:
        return False


async def _get(ctx: Ctx, export_uuid: str) -> Export:
    if not is_uuid(export_uuid):
        raise HTTPException(status_code=404, detail="No such export")
    export = (
        await ctx.db.execute(
            select(Export).where(in_workspace(Export, ctx.org.id), Export.uuid == export_uuid)
        )
    ).scalar_one_or_none()
    if export is None or not ctx.can(PERMISSIONS.get(export.export_type, "")):
        raise HTTPException(status_code=404, detail="No such export")
    return export


def describe(export: Export) -> str:
    return str((export.params or {}).get("title") or export.export_type.replace("_", " ").capitalize())


def status_of(export: Export) -> dict[str, Any]:
    total = export.total
    done = export.status == "C"
    percent = 100 if done else (min(99, 100 * export.num_records // total) if total else 0)
    return {
        "uuid": export.uuid,
        "status": EXPORT_STATUSES.get(export.status, export.status),
        "num_records": export.num_records,
        "total": total,
        "percent": percent,
        "error": export.error,
        "download_url": f"/export/{export.uuid}/download/" if done else None,
    }


@router.get("/export/")
async def export_list(request: Request, ctx: CtxDep) -> Response:
    readable = [t for t, perm in PERMISSIONS.items() if ctx.can(perm)]
    rows = (
        await ctx.db.execute(
            select(Export, User.email)
            .outerjoin(User, User.id == Export.created_by_id)
            .where(in_workspace(Export, ctx.org.id), Export.export_type.in_(readable))
            .order_by(Export.id.desc())
            .limit(LIST_SIZE)
        )
    ).all()
    exports = [
        {"export": e, "by": email or "", "title": describe(e), "state": status_of(e)} for e, email in rows
    ]
    return render(request, "exports/list.html", {"ctx": ctx, "exports": exports})


@router.get("/export/{export_uuid}/")
async def export_page(request: Request, ctx: CtxDep, export_uuid: str) -> Response:
    export = await _get(ctx, export_uuid)
    return render(
        request,
        "exports/read.html",
        {"ctx": ctx, "export": export, "title": describe(export), "state": status_of(export)},
    )


@router.get("/export/{export_uuid}/status/")
async def export_status(ctx: CtxDep, export_uuid: str) -> Response:
    return JSONResponse(status_of(await _get(ctx, export_uuid)))


@router.get("/export/{export_uuid}/download/")
async def export_download(ctx: CtxDep, export_uuid: str) -> Response:
    export = await _get(ctx, export_uuid)
    path = exports_dir() / export.path if export.status == "C" and export.path else None
    if path is None or not path.is_file():
        raise HTTPException(status_code=404, detail="This export has no file to download")
    name = str((export.params or {}).get("filename") or export.export_type).replace('"', "")
    stamp = export.created_on.strftime("%Y%m%d")
    return FileResponse(
        path, media_type=MEDIA_TYPES[export.file_format], filename=f"{name}-{stamp}.{export.file_format}"
    )
