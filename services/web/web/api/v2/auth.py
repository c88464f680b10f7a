"""Token authentication: `Authorization: Token <key>` or HTTP Basic `email:token`. The token fixes the
workspace and the user; the user's membership fixes the role. Every query an endpoint makes is scoped
through `APIContext.org_id` (see scoping.py)."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import select, update

from upesi.db.engine import transaction
from upesi.db.models import APIToken, Membership, Org, User
from web.api.v2.errors import detail

# Recording every use would make each API read a write; a minute's resolution is enough to show
# "last used" in the UI and to spot dead tokens.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class APIContext:
    org: Org
    user: User
    role: str
    token_id: int

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
