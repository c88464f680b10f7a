"""Workspace limits (RapidPro's org.limits): how many of each kind of object a workspace may have. A workspace
may override the defaults in config["limits"]."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Org
from upesi.db.scoping import in_workspace
from upesi.domain.errors import LimitReached

DEFAULT_LIMITS = {
    "fields": 250,
    "groups": 250,
    "labels": 250,
    "globals": 250,
    "topics": 250,
    "resthooks": 250,
}


def limit_of(org: Org, kind: str) -> int:
    return int(((org.config or {}).get("limits") or {}).get(kind, DEFAULT_LIMITS[kind]))


async def check_limit(session: AsyncSession, *, org: Org, kind: str, model: Any) -> None:
    """LimitReached when the workspace already has its limit of active objects of this kind."""
    stmt = select(func.count()).select_from(model).where(in_workspace(model, org.id))
    if hasattr(model, "is_active"):
        stmt = stmt.where(model.is_active.is_(True))
    if hasattr(model, "is_system"):  # system objects don't count (RapidPro's get_countable_for_org)
        stmt = stmt.where(model.is_system.is_(False))
    if (await session.execute(stmt)).scalar_one() >= limit_of(org, kind):
        raise LimitReached(kind)
