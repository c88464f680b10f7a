"""Workspace scoping: every query an endpoint makes for workspace-owned rows starts here, so a UUID from
another workspace is simply not found (404), never shown."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from web.api.v2.auth import APIContext
from web.api.v2.errors import not_found


def org_select(ctx: APIContext, model: Any, *columns: Any) -> Select[Any]:
    """select(model) (or the given columns) limited to the token's workspace and to active rows."""
    stmt = select(*columns) if columns else select(model)
    stmt = stmt.where(model.org_id == ctx.org_id)
    if hasattr(model, "is_active"):
        stmt = stmt.where(model.is_active.is_(True))
    return stmt


async def get_or_404(session: AsyncSession, ctx: APIContext, model: Any, *conditions: Any) -> Any:
    obj = (await session.execute(org_select(ctx, model).where(*conditions).limit(1))).scalar_one_or_none()
    if obj is None:
        raise not_found()
    return obj
