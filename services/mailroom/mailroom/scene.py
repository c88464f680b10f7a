"""Everything about one workspace that handling a contact's event needs, loaded in a few queries."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from upesi.db.models import Org

from mailroom.assets import environment_for, load_assets


@dataclass
class OrgScene:
    org: Org
    assets: dict[str, Any]
    environment: dict[str, Any]


async def load_org_scene(db: AsyncSession, org_id: int) -> OrgScene:
    org = (await db.execute(select(Org).where(Org.id == org_id))).scalar_one()
    return OrgScene(org, await load_assets(db, org_id), environment_for(org))


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


async def contact_group_ids(db: AsyncSession, contact_id: int) -> set[int]:
    rows = await db.execute(text("SELECT group_id FROM contact_group_contacts WHERE contact_id = :c"), {"c": contact_id})
    return set(rows.scalars())
