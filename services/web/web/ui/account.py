"""A person's own account, without an operator: signing up (a workspace and its administrator), the
profile (name, email, password) and creating another workspace. Rules in upesi.domain.accounts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.domain.accounts import (
    ProfileChange,
    SignUp,
    create_another_workspace,
    sign_up,
    update_profile,
)
from upesi.domain.errors import DomainError
from upesi.domain.workspaces import timezones
from web.ui.auth import SESSION_KEY, Csrf, CtxDep, get_db, start_session
from web.ui.render import render

router = APIRouter()
DbDep = Annotated[AsyncSession, Depends(get_db)]


@router.get("/org/signup/")
async def signup_page(request: Request) -> Response:
    form = SignUp("", "", "", "", "", "UTC")
    return render(request, "org/signup.html", {"form": form, "error": None, "timezones": timezones()})


@router.post("/org/signup/", dependencies=[Csrf])
async def signup(
    request: Request,
    db: DbDep,
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    workspace: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
) -> Response:
    form = SignUp(first_name, last_name, email, password, workspace, timezone)
    try:
        created = await sign_up(db, form=form)
    except DomainError as error:
        await db.rollback()
        context = {"form": form, "error": error, "timezones": timezones()}
        return render(request, "org/signup.html", context, status_code=400)
    await start_session(request, db, created.user.id, created.org.id)  # commits
    return RedirectResponse("/dashboard/", status_code=303)


@router.get("/user/edit/")
async def profile_page(request: Request, ctx: CtxDep) -> Response:
    return render(
        request, "org/profile.html", {"ctx": ctx, "error": None, "saved": "saved" in request.query_params}
    )


@router.post("/user/edit/", dependencies=[Csrf])
async def profile(
    request: Request,
    ctx: CtxDep,
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    change = ProfileChange(first_name, last_name, email, current_password, new_password)
    try:
        await update_profile(
            ctx.db, user_id=ctx.user.id, change=change, keep_session=request.session.get(SESSION_KEY)
        )
    except DomainError as error:
        await ctx.db.rollback()
        return render(
            request, "org/profile.html", {"ctx": ctx, "error": error, "saved": False}, status_code=400
        )
    await ctx.db.commit()
    return RedirectResponse("/user/edit/?saved", status_code=303)


@router.get("/org/create/")
async def new_workspace_page(request: Request, ctx: CtxDep) -> Response:
    context = {"ctx": ctx, "error": None, "name": "", "timezone": ctx.org.timezone, "timezones": timezones()}
    return render(request, "org/create.html", context)


@router.post("/org/create/", dependencies=[Csrf])
async def new_workspace(
    request: Request,
    ctx: CtxDep,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
) -> Response:
    try:
        org = await create_another_workspace(ctx.db, user=ctx.user, name=name, timezone=timezone)
    except DomainError as error:
        await ctx.db.rollback()
        context = {"ctx": ctx, "error": error, "name": name, "timezone": timezone, "timezones": timezones()}
        return render(request, "org/create.html", context, status_code=400)
    await ctx.db.commit()
    request.session["org_id"] = org.id  # switch to it, as RapidPro does
    return RedirectResponse("/dashboard/", status_code=303)
