"""Two-factor authentication pages: the sign-in's second step, and turning it on or off from the profile
(upesi.domain.two_factor)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

import upesi.domain.two_factor as two_factor
from upesi.domain.errors import DomainError
from web.ui.auth import TWO_FACTOR_KEY, TWO_FACTOR_TRIES, Csrf, CtxDep, get_db, start_session
from web.ui.render import render

router = APIRouter()
DbDep = Annotated[AsyncSession, Depends(get_db)]
SETUP_KEY = "two_factor_setup"  # the secret being set up, until a code from the app confirms it


@router.get("/users/two_factor/")
async def second_step_page(request: Request) -> Response:
    if not request.session.get(TWO_FACTOR_KEY):
        return RedirectResponse("/users/login/", status_code=303)
    return render(request, "org/two_factor.html", {"error": None})


@router.post("/users/two_factor/", dependencies=[Csrf])
async def second_step(request: Request, db: DbDep, code: Annotated[str, Form()] = "") -> Response:
    pending = request.session.get(TWO_FACTOR_KEY)
    if not pending:
        return RedirectResponse("/users/login/", status_code=303)
    if await two_factor.verify(db, user_id=pending["user_id"], code=code):
        await start_session(request, db, pending["user_id"], pending["org_id"])  # commits a used backup token
        return RedirectResponse(pending["next"], status_code=303)
    pending["tries"] += 1
    if (
        pending["tries"] >= TWO_FACTOR_TRIES
    ):  # start again from the password, which counts towards the lockout
        request.session.pop(TWO_FACTOR_KEY)
        return RedirectResponse("/users/login/", status_code=303)
    request.session[TWO_FACTOR_KEY] = pending
    return render(request, "org/two_factor.html", {"error": two_factor.INVALID_CODE}, status_code=400)


@router.get("/user/two_factor/")
async def setup_page(request: Request, ctx: CtxDep) -> Response:
    secret = None
    if not ctx.user.totp_secret:
        secret = request.session.get(SETUP_KEY) or two_factor.new_secret()
        request.session[SETUP_KEY] = secret
    return _page(request, ctx, secret)


def _page(request: Request, ctx: CtxDep, secret: str | None, **extra: object) -> Response:
    context = {
        "ctx": ctx,
        "enabled": bool(ctx.user.totp_secret),
        "secret": secret,
        "uri": two_factor.provisioning_uri(ctx.user.email, secret) if secret else None,
        "tokens": None,
        "error": None,
        **extra,
    }
    return render(
        request, "org/two_factor_setup.html", context, status_code=400 if extra.get("error") else 200
    )


@router.post("/user/two_factor/", dependencies=[Csrf])
async def setup(
    request: Request,
    ctx: CtxDep,
    action: Annotated[str, Form()],
    code: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        if action == "enable":
            secret = request.session.get(SETUP_KEY) or ""
            tokens = await two_factor.enable(ctx.db, user_id=ctx.user.id, secret=secret, code=code)
            request.session.pop(SETUP_KEY, None)
        elif action == "tokens":
            tokens = await two_factor.new_backup_tokens(ctx.db, user_id=ctx.user.id)
        elif action == "disable":
            await two_factor.disable(ctx.db, user_id=ctx.user.id, password=password)
            await ctx.db.commit()
            return RedirectResponse("/user/two_factor/", status_code=303)
        else:
            raise DomainError("action", f"{action!r} is not a valid choice.")
    except DomainError as error:
        await ctx.db.rollback()
        return _page(request, ctx, request.session.get(SETUP_KEY), error=error.message)
    await ctx.db.commit()
    return _page(request, ctx, None, tokens=tokens, enabled=True)
