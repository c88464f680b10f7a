"""Starting a flow from the editor (RapidPro's start dialog): contacts, groups and/or a contact query, less
contacts in a flow or who ran this one before; /flow/preview_start/ answers how many will get it before
anything is sent. The start carries the one query the dialog's choices make (upesi.domain.start_preview),
so mailroom resolves the recipients in the background and the results page shows its progress."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from upesi.domain.errors import DomainError
from upesi.domain.flow_starts import create_flow_start, queue_flow_start
from upesi.domain.start_preview import Exclusions, Inclusions, preview_start
from web.ui.auth import Csrf, CtxDep
from web.ui.editor.common import get_flow

router = APIRouter()


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@router.post("/flow/preview_start/{flow_uuid}/", dependencies=[Csrf])
async def preview(request: Request, ctx: CtxDep, flow_uuid: str) -> JSONResponse:
    """RapidPro's shape: {"include": {"group_uuids", "contact_uuids", "query"}, "exclude": {"in_a_flow",
    "started_previously"}} -> {"query", "total", "warnings", "blockers"}."""
    ctx.require("flow_edit")
    flow = await get_flow(ctx, flow_uuid)
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return JSONResponse({"query": "", "total": 0, "error": "Expected a JSON object"}, status_code=400)
    inc, exc = payload.get("include") or {}, payload.get("exclude") or {}
    if not isinstance(inc, dict) or not isinstance(exc, dict):
        return JSONResponse(
            {"query": "", "total": 0, "error": "include and exclude are objects"}, status_code=400
        )
    inclusions = Inclusions(_strings(inc.get("group_uuids")), _strings(inc.get("contact_uuids")), str(inc.get("query") or ""))  # fmt: skip
    exclusions = Exclusions(in_a_flow=exc.get("in_a_flow") is True, started_previously=exc.get("started_previously") is True)  # fmt: skip
    try:
        found = await preview_start(ctx.db, ctx.org.id, flow, inclusions, exclusions)
    except DomainError as e:
        return JSONResponse({"query": "", "total": 0, "error": e.message}, status_code=400)
    return JSONResponse(
        {"query": found.query, "total": found.total, "warnings": found.warnings, "blockers": found.blockers}
    )


@router.post("/flow/start/{flow_uuid}/", dependencies=[Csrf])
async def start(
    ctx: CtxDep,
    flow_uuid: str,
    groups: Annotated[list[str] | None, Form()] = None,
    contacts: Annotated[list[str] | None, Form()] = None,
    query: Annotated[str, Form()] = "",
    exclude_in_a_flow: Annotated[bool, Form()] = False,
    exclude_started_previously: Annotated[bool, Form()] = False,
) -> Response:
    ctx.require("flow_edit")
    flow = await get_flow(ctx, flow_uuid)
    inclusions = Inclusions(groups or [], contacts or [], query)
    exclusions = Exclusions(in_a_flow=exclude_in_a_flow, started_previously=exclude_started_previously)
    try:
        found = await preview_start(ctx.db, ctx.org.id, flow, inclusions, exclusions)
        if found.blockers:
            raise DomainError("flow", found.blockers[0])
        if not found.total:
            raise DomainError("query", "Nobody matches: no contact would start this flow.")
        started = await create_flow_start(
            ctx.db, org=ctx.org, flow=flow, start_type="M", created_by_id=ctx.user.id, query=found.query,
            restart_participants=not exclude_started_previously, exclude_active=exclude_in_a_flow,
        )  # fmt: skip
    except DomainError as e:
        await ctx.db.rollback()
        back = urlencode({"start_error": e.message})
        return RedirectResponse(f"/flow/editor/{flow_uuid}/?{back}", status_code=303)
    start_uuid = started.uuid
    await ctx.db.commit()  # before the task: mailroom must find the start when it pops it
    await queue_flow_start(org=ctx.org, start=started)
    return RedirectResponse(f"/flow/results/{flow_uuid}/?start={start_uuid}", status_code=303)
