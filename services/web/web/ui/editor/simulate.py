"""The simulator: the editor's requests translated to mailroom's /mr/sim/start and /mr/sim/resume.

    start : {contact, flow, trigger}            → mailroom {org_id, contact, trigger, assets, environment}
    resume: {contact, flow, session, resume}    → mailroom {org_id, contact, session, resume, assets, environment}

The editor sends the definition it is showing, which may be unsaved; we simulate that definition, so
assets are the workspace's with this flow replaced by the (migrated) one sent, plus RapidPro's fake
simulator channel so sends have somewhere to go. A voice flow plays a call: its answers are ivr_created
events and waits with digit or audio hints, which the editor's simulator shows with its keypad and audio
drawer; digits and recordings come back as the resume's message text and attachment."""

from typing import Any

import httpx
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from upesi.config import get_settings
from upesi.db.ops.assets import environment_for, load_assets
from upesi.flows.definition import CURRENT_SPEC_VERSION, FlowValidationError, migrate_flow, read_flow
from web.ui.auth import Csrf, Ctx, CtxDep
from web.ui.editor.common import get_flow, json_body

router = APIRouter()

SIMULATOR_CHANNEL = {
    "uuid": "440099cf-200c-4d45-a8e7-4a564f4a0e8b",
    "name": "Simulator Channel",
    "address": "+18005551212",
    "schemes": ["tel"],
    "roles": ["send", "receive", "call"],
    "country": "US",
}
# a voice flow is simulated on a call, mailroom's test call on the simulator's channel: goflow's say_msg needs
# one (ours falls back to the contact's URN), and the session then is what a real call's is. The editor's
# simulator sends none; the session carries it to every resume.
SIMULATOR_CALL = {
    "uuid": "01979e0b-3072-7345-ae19-879750caaaf6",
    "channel": {"uuid": SIMULATOR_CHANNEL["uuid"], "name": SIMULATOR_CHANNEL["name"]},
    "urn": "tel:+12065551212",
}


async def workspace_assets(ctx: Ctx, replace: dict[str, Any]) -> dict[str, Any]:
    """The engine's static asset source for this workspace, with `replace` standing in for its flow."""
    return await load_assets(ctx.db, ctx.org.id, replace_flow=replace, extra_channels=[SIMULATOR_CHANNEL])


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@router.post("/flow/simulate/{flow_uuid}/", dependencies=[Csrf])
async def simulate(request: Request, ctx: CtxDep, flow_uuid: str) -> JSONResponse:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    body = await json_body(request)
    definition = body.get("flow") or {}
    definition = dict(definition, uuid=flow.uuid)
    definition.setdefault("spec_version", "14.3.0")
    try:
        definition = migrate_flow(definition, CURRENT_SPEC_VERSION)
        read_flow(definition)
    except (FlowValidationError, KeyError, TypeError, ValueError) as e:
        return _error(f"This flow can't be simulated: {e}")

    payload: dict[str, Any] = {
        "org_id": ctx.org.id,
        "contact": body.get("contact"),
        "assets": await workspace_assets(ctx, definition),
        "environment": environment_for(ctx.org),
    }
    if "session" in body and "resume" in body:
        path = "/mr/sim/resume"
        payload.update(session=body["session"], resume=body["resume"])
    elif "trigger" in body:
        path = "/mr/sim/start"
        trigger = dict(body["trigger"])
        trigger.setdefault("flow", {"uuid": flow.uuid, "name": flow.name})
        trigger["user"] = {"email": ctx.user.email, "name": ctx.user.email}
        payload["trigger"] = trigger
        if definition.get("type") == "voice":
            payload["call"] = body.get("call") or SIMULATOR_CALL
    else:
        return _error("Expected a trigger to start or a session and resume to continue.")
    await ctx.db.rollback()  # nothing to write; don't hold a transaction open while mailroom works

    settings = get_settings()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(
                settings.mailroom_url.rstrip("/") + path,
                json=payload,
                headers={"Authorization": f"Token {settings.mailroom_auth_token}"},
            )
    except httpx.HTTPError as e:
        return _error(f"The simulator is not available: {e}", 503)
    if answer.status_code != 200:
        return _error(_mailroom_error(answer), 400)
    return JSONResponse(answer.json())


def _mailroom_error(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail", answer.json())
    except ValueError:
        return f"Simulation failed ({answer.status_code})"
    if isinstance(detail, dict):
        return str(detail.get("error") or detail)
    return str(detail)
