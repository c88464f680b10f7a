"""Token authentication: `Authorization: Token <key>` or HTTP Basic `email:token`. The token fixes the
workspace and the user; the user's membership fixes the role. Without an Authorization header, a signed-in
web session is accepted as RapidPro's SessionAuthentication: the session's workspace and the user's role
there, unthrottled (the explorer and the UI's own scripts use it), and writes must carry the session's CSRF
token (X-CSRFToken), as DRF enforces for session writes. Every query an endpoint makes is scoped through
`APIContext.org_id` (see scoping.py)."""

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import select, update

from upesi.db.engine import transaction
from upesi.db.models import APIToken, Membership, Org, User, UserSession
from upesi.db.ops.signin import session_matches
from web.api.v2.errors import detail
from web.ui.auth import SESSION_KEY
from web.ui.session import AXIOS_HEADER, CSRF_HEADER, SAFE_METHODS

# Recording every use would make each API read a write; a minute's resolution is enough to show
# "last used" in the UI and to spot dead tokens.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class APIContext:
    org: Org
    user: User
    role: str
    token_id: int | None  # None: a web session

    @property
    def by_session(self) -> bool:
        return self.token_id is None

    @property
    def org_id(self) -> int:
        return self.org.id

    @property
    def user_id(self) -> int:
        return self.user.id


def _credentials(request: Request) -> tuple[str, str | None] | None:
    """(token key, email or None) from the Authorization header, or None if there is none we understand."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "token" and value:
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        email, sep, key = decoded.partition(":")
        if sep and key:
            return key, email.strip().lower()
    return None


async def authenticate(request: Request) -> APIContext:
    creds = _credentials(request)
    if creds is None:
        if "authorization" not in request.headers and (ctx := await session_context(request)) is not None:
            return ctx
        # DRF answers a missing token with 403 too (no WWW-Authenticate header), rapidpro-python reads 403
        raise detail(403, "Authentication credentials were not provided.")
    key, email = creds
    async with transaction() as session:
        row = (
            await session.execute(
                select(APIToken, Org, User, Membership.role)
                .join(Org, Org.id == APIToken.org_id)
                .join(User, User.id == APIToken.user_id)
                .join(
                    Membership,
                    (Membership.org_id == APIToken.org_id) & (Membership.user_id == APIToken.user_id),
                )
                .where(APIToken.key == key, APIToken.is_active, Org.is_active, User.is_active)
            )
        ).one_or_none()
        if row is None or (email is not None and row.User.email.lower() != email):
            # RapidPro's basic authentication names both parts it checked
            raise detail(403, "Invalid token" if email is None else "Invalid token or email")
        token: APIToken = row.APIToken
        now = datetime.now(UTC)
        if token.last_used_on is None or now - token.last_used_on > LAST_USED_RESOLUTION:
            await session.execute(update(APIToken).where(APIToken.id == token.id).values(last_used_on=now))
    return APIContext(org=row.Org, user=row.User, role=row.role, token_id=token.id)


async def session_context(request: Request) -> APIContext | None:
    """The signed-in user of a live web session (the UI's rule: upesi.db.ops.signin.session_matches), in the
    session's workspace; None when there is none."""
    session = request.scope.get("session") or {}
    user_id, org_id = session.get("user_id"), session.get("org_id")
    if not user_id or not org_id:
        return None
    async with transaction() as db:
        row = (
            await db.execute(
                select(User, Org, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .join(Org, Org.id == Membership.org_id)
                .join(UserSession, session_matches(session.get(SESSION_KEY)))
                .where(User.id == user_id, Org.id == org_id, User.is_active, Org.is_active)
            )
        ).one_or_none()
    if row is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or request.headers.get(AXIOS_HEADER) or ""
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(str(expected), sent):
            # DRF's SessionAuthentication.enforce_csrf words it so
            raise detail(
                403, "CSRF Failed: CSRF token missing." if not sent else "CSRF Failed: CSRF token incorrect."
            )
    return APIContext(org=row.Org, user=row.User, role=row.role, token_id=None)
