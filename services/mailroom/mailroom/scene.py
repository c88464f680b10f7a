"""Everything about one workspace that handling a contact's event needs. Assets (flows, fields, groups,
channels, triggers) are kept per workspace for a few seconds: reading every flow definition for every
message would dominate inbound handling, and a flow saved in the editor is live within ASSET_TTL."""

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.triggers import TriggerRow, load_triggers
from upesi.config import get_settings
from upesi.db.models import Org
from upesi.db.ops.assets import environment_for, load_assets
from upesi.db.raw import asyncpg_of
from upesi.flows.assets import Assets

ASSET_TTL = 5.0


@dataclass
class OrgScene:
    org: Org
    assets: dict[str, Any]
    environment: dict[str, Any]
    triggers: list[TriggerRow]
    loaded_at: float
    flow_ids: dict[str, int] = field(default_factory=dict)  # flow uuid -> id
    channels: dict[str, tuple[int, int]] = field(default_factory=dict)  # active channel uuid -> (id, tps)
    # the same assets as the engine reads them, each flow parsed once for the scene's lifetime
    engine_assets: Assets = field(init=False)
    field_uuids: dict[str, str] = field(init=False)  # contact field key -> uuid
    field_keys: dict[str, str] = field(init=False)  # contact field uuid -> key

    def __post_init__(self) -> None:
        self.engine_assets = Assets(self.assets)
        self.field_uuids = {f["key"]: str(f["uuid"]) for f in self.assets.get("fields", [])}
        self.field_keys = {uuid: key for key, uuid in self.field_uuids.items()}


_scenes: dict[tuple[str, int], OrgScene] = {}


async def load_org_scene(db: AsyncSession, org_id: int, max_age: float = ASSET_TTL) -> OrgScene:
    key = (get_settings().database_url, org_id)  # one process may see several databases (tests, tools)
    cached = _scenes.get(key)
    if cached is not None and time.monotonic() - cached.loaded_at < max_age:
        return cached
    org = (await db.execute(select(Org).where(Org.id == org_id))).scalar_one()
    scene = OrgScene(
        org,
        await load_assets(db, org_id),
        environment_for(org),
        await load_triggers(db, org_id),
        time.monotonic(),
        **await _ids(db, org_id),
    )
    _scenes[key] = scene
    return scene


async def _ids(db: AsyncSession, org_id: int) -> dict[str, Any]:
    """Database ids of the workspace's flows and channels, which persisting a sprint needs for every
    message and run (the assets carry uuids only)."""
    pg = await asyncpg_of(db)
    flows = await pg.fetch("SELECT uuid::text, id FROM flows WHERE org_id = $1", org_id)
    channels = await pg.fetch(
        "SELECT uuid::text, id, tps FROM channels WHERE org_id = $1 AND is_active", org_id
    )
    return {
        "flow_ids": {r["uuid"]: r["id"] for r in flows},
        "channels": {r["uuid"]: (r["id"], r["tps"]) for r in channels},
    }


def forget_scenes() -> None:
    _scenes.clear()
