"""users: list (GET) the workspace's users with their roles."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select

from upesi.db.engine import transaction
from upesi.db.models import Membership, User
from upesi.domain.teams import team_of
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org
from web.api.v2.values import fmt_dt


@endpoint(
    "users",
    "GET",
    "orgs.user_list",
    summary="List users",
    params=["uuid", "role", "email"],
    response=objects.Page[objects.User],
)
async def list_users(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(in_org(ctx, Membership), User.is_active)
    )
    if uuids := params.get_uuids(request, "uuid"):
        stmt = stmt.where(User.uuid.in_(uuids))
    if roles := params.get_list(request, "role"):
        stmt = stmt.where(Membership.role.in_([r.lower() for r in roles]))
    if emails := params.get_list(request, "email"):
        stmt = stmt.where(func.lower(User.email).in_([e.lower() for e in emails]))
    async with transaction() as session:
        page = await paginate(
            session,
            request,
            stmt,
            [User.created_on, User.id],
            lambda row: (row[0].created_on, row[0].id),
            scalars=False,
        )
        return page.response(
            [
                {
                    "uuid": str(u.uuid),
                    # deprecated upstream but still sent: the full name
                    "name": f"{u.first_name or ''} {u.last_name or ''}".strip(),
                    "email": u.email,
                    "first_name": u.first_name,
                    "last_name": u.last_name,
                    "role": role,
                    "team": team_of(role, str(ctx.org.uuid)),
                    "avatar": None,
                    "created_on": fmt_dt(u.created_on),
                }
                for u, role in page.rows
            ]
        )
