"""Sign-in, sign-out, the signed-in context every page depends on, and role checks."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.db.engine import sessionmaker
from upesi.db.models import Membership, Org, User, UserSession
from upesi.db.ops.signin import attempt_sign_in, close_session, open_session, session_matches
from web.ui.errors import LoginRequired
from web.ui.render import render
from web.ui.session import check_csrf, set_csrf_cookie

# the session cookie's key of the server-side session (upesi.db.ops.signin): without a live row, no sign-in
SESSION_KEY = "sid"
# the cookie's key of a sign-in waiting for its second step (a one-time code)
TWO_FACTOR_KEY = "two_factor"
TWO_FACTOR_TRIES = 5

# what each role may do; RapidPro's agents work with contacts, messages and tickets only, viewers only look
PERMISSIONS: dict[str, frozenset[str]] = {
    "administrator": frozenset(
        {
            "flow_read",
            "flow_edit",
            "contact_read",
            "contact_edit",
            "msg_read",
            "msg_send",
            "channel_read",
            "channel_edit",
            "trigger_read",
            "trigger_edit",
            "org_manage",
            "ticket_read",
            "ticket_edit",
        }
    ),
    "editor": frozenset(
        {
            "flow_read",
            "flow_edit",
            "contact_read",
            "contact_edit",
            "msg_read",
            "msg_send",
            "channel_read",
            "trigger_read",
            "trigger_edit",
            "ticket_read",
            "ticket_edit",
        }
    ),
    "agent": frozenset(
        {"contact_read", "contact_edit", "msg_read", "msg_send", "ticket_read", "ticket_edit"}
    ),
    "viewer": frozenset(
        {"flow_read", "contact_read", "msg_read", "channel_read", "trigger_read", "ticket_read"}
    ),
}


@dataclass
class Ctx:
    """Who is asking, in which workspace, with which role; and the database session for the request."""

    user: User
    org: Org
    role: str
    db: AsyncSession

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise HTTPException(status_code=403, detail="You do not have permission to do that.")


async def get_db():  # type: ignore[no-untyped-def]
    """One database session per request. Handlers that write commit before they answer, so what they
    report is durable (and a task pushed after the commit finds its rows); anything else is rolled back."""
    async with sessionmaker()() as session:
        yield session


async def get_ctx(request: Request, db: Annotated[AsyncSession, Depends(get_db)]) -> Ctx:
    user_id, org_id = request.session.get("user_id"), request.session.get("org_id")
    if not user_id or not org_id:
        raise LoginRequired()
    row = (
        await db.execute(
            select(User, Org, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Org, Org.id == Membership.org_id)
            .join(UserSession, session_matches(request.session.get(SESSION_KEY)))
            .where(User.id == user_id, Org.id == org_id, User.is_active, Org.is_active)
        )
    ).one_or_none()
    if row is None:
        request.session.clear()
        raise LoginRequired()
    # detached, so a handler's rollback cannot expire them under the template that renders the layout
    db.expunge(row[0])
    db.expunge(row[1])
    return Ctx(user=row[0], org=row[1], role=row[2], db=db)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


def permission(name: str):  # type: ignore[no-untyped-def]
    """A dependency giving the context after checking the role holds `name`."""

    async def dep(ctx: CtxDep) -> Ctx:
        ctx.require(name)
        return ctx

    return Depends(dep)


Csrf = Depends(check_csrf)
router = APIRouter()


@router.get("/users/login/")
async def login_page(request: Request, next: str = "/flow/") -> Response:
    response = render(request, "login.html", {"next": _safe_next(next), "error": None})
    set_csrf_cookie(request, response)
    return response


@router.post("/users/login/", dependencies=[Csrf])
async def login(
    request: Request,
    db: Annotated[AsyncSession, Depends(get_db)],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/flow/",
) -> Response:
    result = await attempt_sign_in(db, username, password)
    if result.user_id is None or result.org_id is None:
        await db.commit()
        error, status = (
            ("Too many failed sign-in attempts. Try again in 10 minutes.", 429)
            if result.locked_out
            else ("Invalid email or password.", 401)
        )
        response = render(request, "login.html", {"next": _safe_next(next), "error": error}, status)
        set_csrf_cookie(request, response)
        return response
    if await db.scalar(select(User.totp_secret).where(User.id == result.user_id)):
        # the password was right; the second step (upesi.domain.two_factor) signs in
        await db.commit()
        csrf = request.session.get("csrf")
        request.session.clear()
        request.session.update(
            {"csrf": csrf, TWO_FACTOR_KEY: {"user_id": result.user_id, "org_id": result.org_id,
                                            "next": _safe_next(next), "tries": 0}}
        )  # fmt: skip
        return RedirectResponse("/users/two_factor/", status_code=303)
    await start_session(request, db, result.user_id, result.org_id)
    return RedirectResponse(_safe_next(next), status_code=303)


async def start_session(request: Request, db: AsyncSession, user_id: int, org_id: int) -> None:
    """Sign a browser in (after a password check, a sign-up or a password reset): a server-side session,
    committed, and a fresh cookie session in which nothing set before survives but the CSRF token."""
    key = await open_session(db, user_id)
    await db.commit()
    csrf = request.session.get("csrf")
    request.session.clear()
    request.session.update({"user_id": user_id, "org_id": org_id, "csrf": csrf, SESSION_KEY: key})


@router.post("/users/logout/", dependencies=[Csrf])
async def logout(request: Request, db: Annotated[AsyncSession, Depends(get_db)]) -> Response:
    # revoked server-side: a copy of the cookie taken before this no longer signs anyone in
    await close_session(db, request.session.get(SESSION_KEY))
    await db.commit()
    request.session.clear()
    response = RedirectResponse("/users/login/", status_code=303)
    response.delete_cookie("csrftoken")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    return RedirectResponse("/flow/" if request.session.get("user_id") else "/users/login/", status_code=303)


def _safe_next(url: str) -> str:
    """Only local paths: a sign-in link must not bounce users to another site."""
    return url if url.startswith("/") and not url.startswith("//") else "/flow/"
