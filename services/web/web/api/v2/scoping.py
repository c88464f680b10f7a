"""Workspace scoping: every query an endpoint makes for workspace-owned rows starts here, so a UUID from
another workspace is simply not found (404), never shown."""

from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.scoping import in_workspace, workspace_select
from web.api.v2.auth import APIContext
from web.api.v2.errors import not_found


def in_org(ctx: APIContext, model: Any) -> ColumnElement[bool]:
    """The condition that keeps a workspace-owned table to the token's workspace (upesi.db.scoping)."""
    return in_workspace(model, ctx.org_id)


def org_select(ctx: APIContext, model: Any, *columns: Any, active: bool | None = True) -> Select[Any]:
    """select(model) (or the given columns) limited to the token's workspace and, for models with
    is_active, to active rows (active=False: only inactive ones; None: both)."""
    return workspace_select(model, ctx.org_id, *columns, active=active)


async def get_or_404(session: AsyncSession, ctx: APIContext, model: Any, *conditions: Any) -> Any:
    obj = (await session.execute(org_select(ctx, model).where(*conditions).limit(1))).scalar_one_or_none()
    if obj is None:
        raise not_found()
    return obj
