"""The simulator: POST /mr/sim/start and /mr/sim/resume. Stateless: the session comes back with each call.
Optional `assets` and `environment` replace the workspace's, so the engine can be run on given assets.

    POST /mr/sim/start  {"org_id": 1, "contact": {...}, "trigger": {...}, "assets"?: {...}, "environment"?: {...}}
    POST /mr/sim/resume {"org_id": 1, "contact": {...}, "session": {...}, "resume": {...}, "assets"?, "environment"?}
    → {"session": {...}, "contact": {...}, "events": [...], "segments": [...], "context": {...}}
"""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from mailroom.runner import engine
from mailroom.scene import load_org_scene
from mailroom.web.auth import require_token
from upesi.db.engine import transaction
from upesi.excellent.types.marshal import context_json
from upesi.flows.context import build_context
from upesi.flows.session import Session

router = APIRouter(prefix="/mr/sim", dependencies=[Depends(require_token)])


class SimStart(BaseModel):
    org_id: int | None = None
    contact: dict[str, Any]
    trigger: dict[str, Any]
    assets: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None
    call: dict[str, Any] | None = None


class SimResume(BaseModel):
    org_id: int | None = None
    contact: dict[str, Any] | None = None
    session: dict[str, Any]
    resume: dict[str, Any]
    assets: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


async def _assets_and_env(
    org_id: int | None, assets: dict | None, environment: dict | None
) -> tuple[dict, dict | None]:
    if assets is not None:
        return assets, environment
    if org_id is None:
        raise HTTPException(
            status_code=422, detail={"error": "either org_id or assets is required", "code": "sim:invalid"}
        )
    async with transaction() as db:
        try:
            scene = await load_org_scene(db, org_id, max_age=0)
        except Exception as e:
            raise HTTPException(
                status_code=422, detail={"error": f"no workspace with id {org_id}", "code": "sim:invalid"}
            ) from e
    return scene.assets, environment if environment is not None else scene.environment


def _answer(session: Any, sprint: Any) -> dict[str, Any]:
    return {
        "session": session.to_json(),
        "contact": session.contact,
        "events": list(sprint.events),
        "segments": list(sprint.segments),
        "context": current_context(session),
    }


def current_context(session: Session) -> dict[str, Any] | None:
    """The context of the run the session is at (the waiting one, else the last), as goflow's
    session.CurrentContext(): what the simulator's context explorer lists."""
    run = session.active_run() or (session.runs[-1] if session.runs else None)
    if run is None:
        return None
    return context_json(build_context(session, run))


@router.post("/start")
async def sim_start(body: SimStart) -> dict[str, Any]:
    assets, env = await _assets_and_env(body.org_id, body.assets, body.environment)

    def run() -> dict[str, Any]:
        session, sprint = engine().new_session(
            assets, body.contact, body.trigger, environment=env, call=body.call
        )
        return _answer(session, sprint)

    try:
        return await asyncio.to_thread(run)
    except (ValueError, KeyError) as e:
        raise HTTPException(status_code=422, detail={"error": str(e), "code": "flow:invalid"}) from e


@router.post("/resume")
async def sim_resume(body: SimResume) -> dict[str, Any]:
    assets, env = await _assets_and_env(body.org_id, body.assets, body.environment)

    def run() -> dict[str, Any]:
        session_json = dict(body.session, contact=body.contact) if body.contact else body.session
        session = engine().read_session(assets, session_json, environment=env)
        sprint = engine().resume(session, body.resume)
        return _answer(session, sprint)

    try:
        return await asyncio.to_thread(run)
    except (ValueError, KeyError) as e:
        raise HTTPException(status_code=422, detail={"error": str(e), "code": "session:invalid"}) from e
