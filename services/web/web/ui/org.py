"""The workspace: its members and their roles (administrators manage them), and switching workspace for
users who belong to several."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

import upesi.domain.invitations as invitations
from upesi.db.models import Membership, Org, User
from upesi.db.models.orgs import ROLES
from upesi.db.ops.orgs import get_or_create_user
from upesi.db.scoping import in_workspace
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()


@router.get("/org/manage_accounts/")
async def members(request: Request, ctx: CtxDep) -> Response:
    rows = (
        await ctx.db.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(in_workspace(Membership, ctx.org.id))
            .order_by(User.email)
        )
    ).all()
    context = {
        "ctx": ctx,
        "rows": rows,
        "roles": ROLES,
        "error": request.query_params.get("error"),
        "invited": request.query_params.get("invited"),
        "invitations": await invitations.pending(ctx.db, org=ctx.org) if ctx.can("org_manage") else [],
    }
    return render(request, "org/members.html", context)


@router.post("/org/manage_accounts/", dependencies=[Csrf])
async def change_member(
    ctx: CtxDep,
    email: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()] = "",
) -> Response:
    """Add a user (created with the given password when new) or change a member's role; `remove` removes."""
    ctx.require("org_manage")
    email = email.strip().lower()
    user = (await ctx.db.execute(select(User).where(User.email == email))).scalar_one_or_none()
    membership = None
    if user is not None:
        membership = (
            await ctx.db.execute(
                select(Membership).where(in_workspace(Membership, ctx.org.id), Membership.user_id == user.id)
            )
        ).scalar_one_or_none()
    if role == "remove" or (
        membership is not None and membership.role == "administrator" and role != "administrator"
    ):
        admins = (
            await ctx.db.execute(
                select(func.count())
                .select_from(Membership)
                .where(in_workspace(Membership, ctx.org.id), Membership.role == "administrator")
            )
        ).scalar_one()
        if membership is not None and membership.role == "administrator" and admins <= 1:
            return RedirectResponse(
                "/org/manage_accounts/?error=A workspace needs an administrator", status_code=303
            )
        if role == "remove":
            if membership is not None:
                await ctx.db.delete(membership)
            await ctx.db.commit()
            return RedirectResponse("/org/manage_accounts/", status_code=303)
    if role not in ROLES:
        return RedirectResponse("/org/manage_accounts/?error=Unknown role", status_code=303)
    if user is None:
        if len(password) < 8:
            return RedirectResponse(
                "/org/manage_accounts/?error=New users need a password of 8 characters or more",
                status_code=303,
            )
        user = await get_or_create_user(ctx.db, email, password)
    if membership is None:
        ctx.db.add(Membership(org_id=ctx.org.id, user_id=user.id, role=role))
    else:
        membership.role = role
    await ctx.db.commit()
    return RedirectResponse("/org/manage_accounts/", status_code=303)


@router.get("/org/choose/")
async def choose_page(request: Request, ctx: CtxDep) -> Response:
    orgs = (
        await ctx.db.execute(
            select(Org, Membership.role)
            .join(Membership, Membership.org_id == Org.id)
            .where(Membership.user_id == ctx.user.id, Org.is_active)
            .order_by(Org.name)
        )
    ).all()
    return render(request, "org/choose.html", {"ctx": ctx, "orgs": orgs})


@router.post("/org/choose/", dependencies=[Csrf])
async def choose(request: Request, ctx: CtxDep, org: Annotated[str, Form()]) -> Response:
    chosen = (
        await ctx.db.execute(
            select(Org.id)
            .join(Membership, Membership.org_id == Org.id)
            .where(Membership.user_id == ctx.user.id, Org.uuid == org, Org.is_active)
        )
    ).scalar_one_or_none()
    if chosen is not None:
        request.session["org_id"] = chosen
    return RedirectResponse("/flow/", status_code=303)
