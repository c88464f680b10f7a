"""Invitations: administrators invite an email with a role from the members page; the emailed link lets the
person join, signing up first when they have no account (upesi.domain.invitations)."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

import upesi.domain.invitations as invitations
from upesi.db.models import User
from upesi.domain.errors import DomainError
from upesi.domain.mails import deliver, email_configured
from web.ui.auth import Csrf, Ctx, CtxDep, LoginRequired, get_ctx, get_db, start_session
from web.ui.render import render

router = APIRouter()
DbDep = Annotated[AsyncSession, Depends(get_db)]
MEMBERS = "/org/manage_accounts/"


def _back(error: str | None = None, sent: str | None = None) -> RedirectResponse:
    query = f"?error={quote(error)}" if error else (f"?invited={quote(sent)}" if sent else "")
    return RedirectResponse(MEMBERS + query, status_code=303)


@router.post("/org/invite/", dependencies=[Csrf])
async def invite(
    ctx: CtxDep,
    background: BackgroundTasks,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("org_manage")
    if not email_configured():
        return _back(
            "This server cannot send email yet (no SMTP_URL is set): add members with a password instead."
        )
    try:
        invitation, mail = await invitations.invite(ctx.db, org=ctx.org, by=ctx.user, email=email, role=role)
    except DomainError as error:
        await ctx.db.rollback()
        return _back(error.message)
    await ctx.db.commit()
    background.add_task(deliver, mail)
    return _back(sent=invitation.email)


@router.post("/org/invite/cancel/", dependencies=[Csrf])
async def cancel(ctx: CtxDep, invitation: Annotated[int, Form()]) -> Response:
    ctx.require("org_manage")
    await invitations.cancel(ctx.db, org=ctx.org, invitation_id=invitation)
    await ctx.db.commit()
    return _back()


async def _signed_in(request: Request, db: AsyncSession) -> Ctx | None:
    try:
        return await get_ctx(request, db)
    except LoginRequired:
        return None


@router.get("/org/join/{secret}/")
async def join_page(request: Request, db: DbDep, secret: str) -> Response:
    try:
        invitation, org = await invitations.find(db, secret=secret)
    except DomainError as error:
        return render(request, "org/join.html", {"error": error.message, "invitation": None}, status_code=404)
    ctx = await _signed_in(request, db)
    has_account = (
        await db.execute(select(User.id).where(User.email == invitation.email))
    ).first() is not None
    context = {"ctx": ctx, "invitation": invitation, "org": org, "has_account": has_account, "error": None}
    return render(request, "org/join.html", context)


@router.post("/org/join/{secret}/accept/", dependencies=[Csrf])
async def accept(request: Request, ctx: CtxDep, secret: str) -> Response:
    try:
        org = await invitations.accept(ctx.db, secret=secret, user=ctx.user)
    except DomainError as error:
        await ctx.db.rollback()
        return render(request, "org/join.html", {"ctx": ctx, "error": error.message, "invitation": None}, 404)
    await ctx.db.commit()
    request.session["org_id"] = org.id
    return RedirectResponse("/dashboard/", status_code=303)


@router.post("/org/join/{secret}/signup/", dependencies=[Csrf])
async def accept_with_signup(
    request: Request,
    db: DbDep,
    secret: str,
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        user, org = await invitations.accept_with_signup(
            db, secret=secret, first_name=first_name, last_name=last_name, password=password
        )
    except DomainError as error:
        await db.rollback()
        try:
            invitation, org = await invitations.find(db, secret=secret)
        except DomainError:
            return render(request, "org/join.html", {"error": error.message, "invitation": None}, 404)
        context = {
            "ctx": None,
            "invitation": invitation,
            "org": org,
            "has_account": False,
            "error": error.message,
        }
        return render(request, "org/join.html", context, status_code=400)
    await start_session(request, db, user.id, org.id)  # commits
    return RedirectResponse("/dashboard/", status_code=303)
