"""Everything about one workspace that handling a contact's event needs. Assets (flows, fields, groups,
channels, triggers) are kept per workspace for a few seconds: reading every flow definition for every
message would dominate inbound handling, and a flow saved in the editor is live within ASSET_TTL."""

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.triggers import TriggerRow, load_triggers
from upesi.config import get_settings
from upesi.db.models import Org
from upesi.db.ops.assets import environment_for, load_assets
from upesi.flows.assets import Assets

ASSET_TTL = 5.0


@dataclass
class OrgScene:
    org: Org
    assets: dict[str, Any]
    environment: dict[str, Any]
    triggers: list[TriggerRow]
    loaded_at: float
    # the same assets as the engine reads them, each flow parsed once for the scene's lifetime
    engine_assets: Assets = field(init=False)

    def __post_init__(self) -> None:
        self.engine_assets = Assets(self.assets)


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
    )
    _scenes[key] = scene
    return scene


def forget_scenes() -> None:
    _scenes.clear()


async def waiting_session(db: AsyncSession, contact_id: int) -> Any:
    """The contact's waiting session row (uuid, output, session_type, flow id and whether that flow ignores
    keyword triggers), or None."""
    return (
        await db.execute(
            text(
                """
                SELECT s.id, s.uuid::text, s.output, s.session_type, s.current_flow_id,
                       f.ignore_triggers, f.is_active AS flow_active
                FROM flow_sessions s LEFT JOIN flows f ON f.id = s.current_flow_id
                WHERE s.contact_id = :c AND s.status = 'W' ORDER BY s.id DESC LIMIT 1
                """
            ),
            {"c": contact_id},
        )
    ).first()
