"""Creating workspaces, users and API tokens."""

import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import APIToken, Membership, Org, Topic, User
from upesi.domain.tickets import open_tickets_group

_hasher = PasswordHasher()
DEFAULT_TOPIC_NAME = "General"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False
    except Exception:
        return False


@dataclass
class NewWorkspace:
    org: Org
    user: User
    token: str


async def get_or_create_user(session: AsyncSession, email: str, password: str | None) -> User:
    user = (await session.execute(select(User).where(User.email == email.lower()))).scalar_one_or_none()
    if user is None:
        if not password:
            raise ValueError(f"no user with email {email} and no password given to create one")
        user = User(uuid=str(uuid.uuid4()), email=email.lower(), password_hash=hash_password(password))
        session.add(user)
        await session.flush()
    return user


async def create_workspace(
    session: AsyncSession,
    name: str,
    email: str,
    password: str | None,
    timezone: str = "UTC",
    country: str | None = None,
    languages: list[str] | None = None,
) -> NewWorkspace:
    """A workspace with the user as its administrator and an API token for them."""
    org = Org(
        uuid=str(uuid.uuid4()), name=name, timezone=timezone, country=country, languages=languages or ["eng"]
    )
    session.add(org)
    user = await get_or_create_user(session, email, password)
    await session.flush()
    session.add(Membership(org_id=org.id, user_id=user.id, role="administrator"))
    # RapidPro's default topic, which tickets opened without one go to
    session.add(Topic(uuid=str(uuid.uuid4()), org_id=org.id, name=DEFAULT_TOPIC_NAME, is_system=True))
    # and its "Open Tickets" system group, which upesi.domain.tickets keeps current
    session.add(open_tickets_group(org_id=org.id, uuid=str(uuid.uuid4())))
    token = await create_api_token(session, org.id, user.id)
    return NewWorkspace(org, user, token)


async def create_api_token(session: AsyncSession, org_id: int, user_id: int) -> str:
    key = secrets.token_hex(20)
    session.add(APIToken(key=key, org_id=org_id, user_id=user_id))
    await session.flush()
    return key


async def find_workspace(session: AsyncSession, name: str) -> Org:
    orgs = (await session.execute(select(Org).where(Org.name == name, Org.is_active))).scalars().all()
    if not orgs:
        raise LookupError(f"no workspace named {name!r}")
    if len(orgs) > 1:
        raise LookupError(f"{len(orgs)} workspaces are named {name!r}")
    return orgs[0]
