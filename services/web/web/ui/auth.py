"""Sign-in, sign-out, the signed-in context every page depends on, and role checks."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.db.engine import sessionmaker
from upesi.db.models import Membership, Org, User
from upesi.db.ops.orgs import check_password
from web.ui.errors import LoginRequired
from web.ui.render import render
from web.ui.session import check_csrf, set_csrf_cookie

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
    user = (
        await db.execute(select(User).where(User.email == username.strip().lower(), User.is_active))
    ).scalar_one_or_none()
    membership = None
    if user is not None and check_password(user.password_hash, password):
        membership = (
            await db.execute(
                select(Membership).where(Membership.user_id == user.id).order_by(Membership.id).limit(1)
            )
        ).scalar_one_or_none()
    if user is None or membership is None:
        response = render(
            request, "login.html", {"next": _safe_next(next), "error": "Invalid email or password."}, 401
        )
        set_csrf_cookie(request, response)
        return response
    user.last_login = datetime.now(UTC)
    await db.commit()
    csrf = request.session.get("csrf")
    request.session.clear()  # a fresh session on sign-in: nothing set before it survives but the token
    request.session.update({"user_id": user.id, "org_id": membership.org_id, "csrf": csrf})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/users/logout/", dependencies=[Csrf])
async def logout(request: Request) -> Response:
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
