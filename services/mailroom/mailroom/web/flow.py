"""Flow tools for web: POST /mr/flow/migrate and /mr/flow/inspect.

POST /mr/flow/migrate {"flow": {...}, "to_version"?: "14.4.2"} → the migrated definition
POST /mr/flow/inspect {"flow": {...}, "org_id"?: 1} → {"dependencies", "results", "parent_refs", "issues", ...}
"""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from mailroom.scene import load_org_scene
from mailroom.web.auth import require_token
from mailroom.web.errors import unprocessable
from upesi.db.engine import transaction
from upesi.flows.definition import (
    CURRENT_SPEC_VERSION,
    FlowMigrationError,
    FlowReadError,
    migrate_flow,
    read_flow,
)

router = APIRouter(prefix="/mr/flow", dependencies=[Depends(require_token)])


class MigrateRequest(BaseModel):
    flow: dict[str, Any]
    to_version: str = CURRENT_SPEC_VERSION


class InspectRequest(BaseModel):
    flow: dict[str, Any]
    org_id: int | None = None


@router.post("/migrate")
async def migrate(body: MigrateRequest) -> dict[str, Any]:
    try:
        migrated = migrate_flow(body.flow, to_version=body.to_version)
        read_flow(migrated)  # what comes back must be a flow the engine can run
        return migrated
    except (FlowMigrationError, FlowReadError, ValueError) as e:
        raise unprocessable(str(e), "flow:invalid") from e


@router.post("/inspect")
async def inspect(body: InspectRequest) -> dict[str, Any]:
    from upesi.flows.inspect import inspect_flow

    assets = None
    if body.org_id is not None:
        async with transaction() as db:
            assets = (await load_org_scene(db, body.org_id, max_age=0)).assets
    try:
        return inspect_flow(migrate_flow(body.flow), assets)
    except (FlowMigrationError, FlowReadError, ValueError) as e:
        raise unprocessable(str(e), "flow:invalid") from e
