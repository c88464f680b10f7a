"""Workspace limits (RapidPro's org.limits): creating past one answers 409. A workspace may override the
defaults in config["limits"]."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from web.api.v2.auth import APIContext
from web.api.v2.errors import detail
from web.api.v2.scoping import in_org

DEFAULT_LIMITS = {
    "fields": 250,
    "groups": 250,
    "labels": 250,
    "globals": 250,
    "topics": 250,
    "resthooks": 250,
}


async def check_limit(session: AsyncSession, ctx: APIContext, kind: str, model: Any) -> None:
    limit = int(((ctx.org.config or {}).get("limits") or {}).get(kind, DEFAULT_LIMITS[kind]))
    stmt = select(func.count()).select_from(model).where(in_org(ctx, model))
    if hasattr(model, "is_active"):
        stmt = stmt.where(model.is_active.is_(True))
    if hasattr(
        model, "is_system"
    ):  # system objects don't count against limits (RapidPro's get_countable_for_org)
        stmt = stmt.where(model.is_system.is_(False))
    if (await session.execute(stmt)).scalar_one() >= limit:
        raise detail(409, "Cannot create object because workspace has reached limit.")
