"""Everything about one workspace that handling a contact's event needs. Assets (flows, fields, groups,
channels, triggers, labels, topics, resthooks, users, ...) are kept per workspace for as long as they are
current: reading every flow definition for every message would dominate inbound handling. Any write to an
asset table moves the workspace's version on (database triggers, see upesi.db.models.asset_versions), and a
scene loaded at another version is reloaded, so the next task after a change, whichever code path made it,
sees it. The version is read by a query the task makes anyway where it can (msg_received's state query),
else by a one-row primary key lookup."""

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


@dataclass
class OrgScene:
    org: Org
    assets: dict[str, Any]
    environment: dict[str, Any]
    triggers: list[TriggerRow]
    loaded_at: float
    version: int
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


VERSION_SQL = "SELECT COALESCE((SELECT version FROM org_asset_versions WHERE org_id = $1), 0)"


async def assets_version(db: AsyncSession, org_id: int) -> int:
    return int(await (await asyncpg_of(db)).fetchval(VERSION_SQL, org_id))


async def load_org_scene(
    db: AsyncSession, org_id: int, max_age: float | None = None, version: int | None = None
) -> OrgScene:
    """The workspace's scene at its current asset version (version: as the caller already read it, in
    this transaction). max_age=0 reloads whatever the version (the simulator, the editor)."""
    key = (get_settings().database_url, org_id)  # one process may see several databases (tests, tools)
    if version is None:
        version = await assets_version(db, org_id)
    cached = _scenes.get(key)
    if (
        cached is not None
        and cached.version == version
        and (max_age is None or time.monotonic() - cached.loaded_at < max_age)
    ):
        return cached
    org = (await db.execute(select(Org).where(Org.id == org_id))).scalar_one()
    scene = OrgScene(
        org,
        await load_assets(db, org_id),
        environment_for(org),
        await load_triggers(db, org_id),
        time.monotonic(),
        version,
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
