"""Importing contacts from a CSV or XLSX file in RapidPro's layout: columns `URN:<scheme>` (or `Phone`),
`Name`, `Language` and `Field:<name>`; new fields are created as text. The upload is checked as a whole
(readable, a URN column, not too many rows), then imported in the background (contact_import_jobs.py)
while its page shows a progress bar; at the end the page lists every refused row with its column and
reason. The good rows are imported."""

import csv
import io
import uuid as uuidlib
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from sqlalchemy import select
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.db.models import ContactField, ContactGroup
from upesi.db.scoping import in_workspace
from upesi.domain.contact_fields import is_new_key_allowed, is_valid_name, make_key
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.contact_import_jobs import ImportState, load_errors, load_state, start_import
from web.ui.contact_import_rows import Layout, read_layout
from web.ui.render import render

router = APIRouter()
MAX_ROWS = 50_000


def read_rows(filename: str, data: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def _add_fields(ctx: Ctx, layout: Layout) -> None:
    """Columns `Field:<name>` mapped to fields, by name then by key as RapidPro's import matches them, created
    as text fields when new; a header no field can be made of refuses the import (ValueError) rather than
    leaving its column out."""
    existing = (
        await ctx.db.execute(
            select(ContactField).where(in_workspace(ContactField, ctx.org.id), ContactField.is_active)
        )
    ).scalars()
    by_key = {f.key: f for f in existing}
    by_name = {f.name.lower(): f for f in by_key.values()}
    for i, col in enumerate(layout.header):
        if not col.lower().startswith("field:"):
            continue
        name = col.split(":", 1)[1].strip()
        key = make_key(name)
        field = by_name.get(name.lower()) or by_key.get(key)
        if field is None:
            if not (is_valid_name(name) and is_new_key_allowed(key)):
                raise ValueError(f"Header '{col}' is not a valid field name.")  # RapidPro's words
            field = ContactField(
                uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, key=key, name=name, value_type="T"
            )
            ctx.db.add(field)
            by_key[key], by_name[name.lower()] = field, field
        layout.field_columns[i] = field
    await ctx.db.flush()


async def _group(ctx: Ctx, name: str) -> ContactGroup | None:
    if not name.strip():
        return None
    group = (
        await ctx.db.execute(
            select(ContactGroup).where(
                in_workspace(ContactGroup, ctx.org.id), ContactGroup.name == name.strip()
            )
        )
    ).scalar_one_or_none()
    if group is None:
        group = ContactGroup(uuid=str(uuidlib.uuid4()), org_id=ctx.org.id, name=name.strip()[:64])
        ctx.db.add(group)
        await ctx.db.flush()
    return group


def _refused(request: Request, ctx: Ctx, message: str) -> Response:
    return render(request, "contacts/import.html", {"ctx": ctx, "problem": message}, 400)


@router.get("/contact/import/")
async def import_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require("contact_edit")
    return render(request, "contacts/import.html", {"ctx": ctx})


@router.post("/contact/import/", dependencies=[Csrf])
async def import_submit(
    request: Request, ctx: CtxDep, file: UploadFile, group_name: Annotated[str, Form()] = ""
) -> Response:
    ctx.require("contact_edit")
    try:
        rows = read_rows(file.filename or "", await file.read())
    except Exception as e:  # a file we cannot read at all is one error for the whole file
        return _refused(request, ctx, f"file: this file could not be read: {e}")
    if not rows:
        return _refused(request, ctx, "file: the file is empty")
    if len(rows) - 1 > MAX_ROWS:
        return _refused(
            request, ctx, f"file: {len(rows) - 1} rows is more than the {MAX_ROWS} an import may have"
        )
    try:
        layout = read_layout(rows[0])
        await _add_fields(ctx, layout)
    except ValueError as e:
        return _refused(request, ctx, f"file: {e}")
    group = await _group(ctx, group_name)
    await ctx.db.commit()  # the fields and group exist before the first row is written
    import_uuid = await start_import(
        ctx.org.id,
        ctx.org.country,
        layout,
        rows[1:],
        (group.id, group.name) if group else None,
        file.filename or "",
    )
    return RedirectResponse(f"/contact/import/{import_uuid}/", status_code=303)


async def _state(ctx: Ctx, import_uuid: str) -> ImportState:
    ctx.require("contact_edit")
    state = await load_state(import_uuid)
    if state is None or state.org_id != ctx.org.id:
        raise HTTPException(status_code=404, detail="No such import")
    return state


def _status(state: ImportState) -> dict[str, object]:
    return {"status": state.status, "done": state.done, "total": state.total, "percent": state.percent,
            "created": state.created, "updated": state.updated, "error": state.error}  # fmt: skip


@router.get("/contact/import/{import_uuid}/")
async def import_progress(request: Request, ctx: CtxDep, import_uuid: str) -> Response:
    state = await _state(ctx, import_uuid)
    errors = await load_errors(import_uuid) if state.finished else []
    return render(
        request,
        "contacts/import.html",
        {"ctx": ctx, "job": state, "status": _status(state), "errors": errors},
    )


@router.get("/contact/import/{import_uuid}/status/")
async def import_status(ctx: CtxDep, import_uuid: str) -> Response:
    return JSONResponse(_status(await _state(ctx, import_uuid)))
