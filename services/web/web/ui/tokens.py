"""API tokens of the signed-in user in the current workspace: list, create, revoke (RapidPro's
/user/tokens/). Viewers have no API access."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select, update
from starlette.responses import RedirectResponse, Response

from upesi.db.models import APIToken
from upesi.db.ops.orgs import create_api_token
from upesi.db.scoping import in_workspace
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()
TOKEN_ROLES = ("administrator", "editor", "agent")
MAX_TOKENS = 3


@router.get("/user/tokens/")
async def token_list(request: Request, ctx: CtxDep) -> Response:
    allowed = ctx.role in TOKEN_ROLES
    tokens = (
        (
            await ctx.db.execute(
                select(APIToken)
                .where(
                    in_workspace(APIToken, ctx.org.id), APIToken.user_id == ctx.user.id, APIToken.is_active
                )
                .order_by(APIToken.id)
            )
        )
        .scalars()
        .all()
    )
    return render(
        request, "tokens.html", {"ctx": ctx, "tokens": tokens, "allowed": allowed, "max": MAX_TOKENS}
    )


@router.post("/user/tokens/", dependencies=[Csrf])
async def token_action(
    ctx: CtxDep, action: Annotated[str, Form()], key: Annotated[str, Form()] = ""
) -> Response:
    if ctx.role not in TOKEN_ROLES:
        return RedirectResponse("/user/tokens/", status_code=303)
    if action == "create":
        count = len(
            (
                await ctx.db.execute(
                    select(APIToken.id).where(
                        in_workspace(APIToken, ctx.org.id),
                        APIToken.user_id == ctx.user.id,
                        APIToken.is_active,
                    )
                )
            ).all()
        )
        if count < MAX_TOKENS:
            await create_api_token(ctx.db, ctx.org.id, ctx.user.id)
    elif action == "revoke":
        await ctx.db.execute(
            update(APIToken)
            .where(in_workspace(APIToken, ctx.org.id), APIToken.user_id == ctx.user.id, APIToken.key == key)
            .values(is_active=False)
        )
    await ctx.db.commit()
    return RedirectResponse("/user/tokens/", status_code=303)
