"""Definition load/save and revision history (RapidPro's FlowCRUDL.Revisions).

GET  /flow/revisions/{uuid}/?version=14.3          → {results: [{id, user, created_on, version, revision}]}
GET  /flow/revisions/{uuid}/{id|latest}/?version=… → {definition, info, issues, metadata}
POST /flow/revisions/{uuid}/  body: the definition → {status: "success", revision, info, issues, metadata}
                                                   | 400 {status: "failure", description, detail}

Two people editing one flow: the editor sends the revision its definition is based on (`revision`); a save
based on an older revision than the flow's latest is refused, as RapidPro's FlowUserConflictException, with
the message the editor shows in its "couldn't save your changes" dialog. The flow row is locked while
saving, so two saves based on the same revision cannot both pass.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import JSONResponse

from upesi.db.models import Flow, FlowRevision, User
from upesi.db.ops.flows import save_flow
from upesi.flows.definition import (
    CURRENT_SPEC_VERSION,
    FlowMigrationError,
    FlowReadError,
    FlowValidationError,
    migrate_flow,
    read_flow,
)
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.editor.common import get_flow, json_body
from web.ui.editor.info import flow_info
from web.ui.editor.layout import with_layout
from web.ui.editor.simulate import workspace_assets

router = APIRouter()


def _user_json(user: User | None) -> dict[str, str]:
    if user is None:
        return {"email": "", "name": "Upesi"}
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    return {"email": user.email, "name": name}


def _revision_json(rev: FlowRevision, user: User | None) -> dict[str, Any]:
    return {
        "id": rev.id,
        "user": _user_json(user),
        "created_on": rev.created_on.isoformat(),
        "version": rev.spec_version,
        "revision": rev.revision,
    }


@router.get("/flow/revisions/{flow_uuid}/")
async def revision_list(ctx: CtxDep, flow_uuid: str) -> JSONResponse:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    rows = (
        await ctx.db.execute(
            select(FlowRevision, User)
            .outerjoin(User, User.id == FlowRevision.created_by_id)
            .where(FlowRevision.flow_id == flow.id)
            .order_by(FlowRevision.revision.desc())
            .limit(100)
        )
    ).all()
    return JSONResponse({"results": [_revision_json(rev, user) for rev, user in rows]})


@router.get("/flow/revisions/{flow_uuid}/{revision_id}/")
async def revision_read(ctx: CtxDep, flow_uuid: str, revision_id: str) -> JSONResponse:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    query = select(FlowRevision).where(FlowRevision.flow_id == flow.id)
    if revision_id == "latest":
        query = query.order_by(FlowRevision.revision.desc()).limit(1)
    elif revision_id.isdigit():
        query = query.where(FlowRevision.id == int(revision_id))
    else:
        return JSONResponse({"detail": "No such revision"}, status_code=404)
    rev = (await ctx.db.execute(query)).scalar_one_or_none()
    if rev is None:
        return JSONResponse({"detail": "No such revision"}, status_code=404)
    # the editor wants `revision` to be the flow's latest so its next save is not taken as stale
    definition = with_layout(dict(rev.definition, revision=rev.revision, uuid=flow.uuid))
    info = flow_info(definition, await workspace_assets(ctx, definition))
    return JSONResponse({"definition": definition, "info": info, "issues": info["issues"], "metadata": info})


def _failure(description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"status": "failure", "description": description, "detail": description}, status_code=status
    )


async def _conflict(ctx: Ctx, flow: Flow, based_on: Any) -> str | None:
    """Lock the flow for this save; the refusal when the definition is based on an older revision."""
    await ctx.db.execute(
        select(Flow).where(Flow.id == flow.id).with_for_update().execution_options(populate_existing=True)
    )
    if not isinstance(based_on, int) or isinstance(based_on, bool) or based_on >= flow.revision:
        return None  # RapidPro skips the check when the definition carries no revision
    saved_by = (
        await ctx.db.execute(
            select(User)
            .join(FlowRevision, FlowRevision.created_by_id == User.id)
            .where(FlowRevision.flow_id == flow.id)
            .order_by(FlowRevision.revision.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    who = _user_json(saved_by)["name"] if saved_by is not None else "Someone else"
    return f"{who} is currently editing this Flow. Your changes will not be saved until you refresh your browser."


@router.post("/flow/revisions/{flow_uuid}/", dependencies=[Csrf])
async def revision_save(request: Request, ctx: CtxDep, flow_uuid: str) -> JSONResponse:
    ctx.require("flow_edit")
    flow = await get_flow(ctx, flow_uuid)
    body = await json_body(request)
    if body.get("uuid") not in (None, flow.uuid):
        return _failure("The definition is for a different flow.")
    body["uuid"] = flow.uuid
    body.setdefault("spec_version", "14.3.0")
    conflict = await _conflict(ctx, flow, body.get("revision"))
    if conflict is not None:
        return _failure(conflict)
    try:
        definition = migrate_flow(body, CURRENT_SPEC_VERSION)
        read_flow(definition)  # validation: the same reader mailroom runs, so what we store will run
    except (FlowMigrationError, FlowReadError, FlowValidationError, KeyError, TypeError, ValueError) as e:
        return _failure(f"Your flow could not be saved: {e}")
    saved = await save_flow(ctx.db, ctx.org.id, definition, user_id=ctx.user.id)
    rev = (
        await ctx.db.execute(
            select(FlowRevision)
            .where(FlowRevision.flow_id == saved.id)
            .order_by(FlowRevision.revision.desc())
            .limit(1)
        )
    ).scalar_one()
    await ctx.db.commit()
    info = flow_info(definition, await workspace_assets(ctx, definition))
    return JSONResponse(
        {
            "status": "success",
            "saved_on": datetime.now(UTC).isoformat(),
            "revision": _revision_json(rev, ctx.user),
            "info": info,
            "issues": info["issues"],
            "metadata": info,
        }
    )
