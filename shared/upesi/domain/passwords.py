"""Forgotten passwords, as Django's (and so RapidPro's) reset: a link carrying a signed token that names the
user and a digest of their current password hash, valid for 3 days (PASSWORD_RESET_TIMEOUT); once the password
changes, every earlier link stops working. Nothing is stored."""

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.config import get_settings
from upesi.db.models import User
from upesi.db.ops.signin import set_password
from upesi.domain.accounts import check_new_password
from upesi.domain.errors import DomainError
from upesi.domain.mails import Email, link

RESET_VALID_SECONDS = 3 * 24 * 3600
INVALID_LINK = "This password reset link is invalid or has expired. Ask for a new one."


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="upesi.password-reset")


def _digest(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


async def request_reset(session: AsyncSession, *, email: str) -> Email | None:
    """The reset email for an active user with this email, or None: the page answers the same either way,
    so nobody learns which emails have accounts."""
    user = (
        await session.execute(select(User).where(User.email == email.strip().lower(), User.is_active))
    ).scalar_one_or_none()
    if user is None:
        return None
    token = _signer().dumps({"u": user.id, "h": _digest(user)})
    body = (
        "Someone asked to reset the password of your Upesi account. If it was you, choose a new password here:\n\n"
        f"{link(f'/user/recover/{token}/')}\n\n"
        "The link works for 3 days, once. If you did not ask, ignore this email: your password stays as it is.\n"
    )
    return Email(user.email, "Reset your Upesi password", body)


async def user_of_token(session: AsyncSession, *, token: str) -> User:
    try:
        data = _signer().loads(token, max_age=RESET_VALID_SECONDS)
    except (SignatureExpired, BadSignature) as e:
        raise DomainError("token", INVALID_LINK) from e
    user = await session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("h") != _digest(user):
        raise DomainError("token", INVALID_LINK)
    return user


async def reset_password(session: AsyncSession, *, token: str, password: str, confirm: str) -> User:
    """Set the new password (every session of the user is signed out); the caller commits."""
    user = await user_of_token(session, token=token)
    check_new_password(password)
    if password != confirm:
        raise DomainError("confirm", "The two password fields didn't match.")
    await set_password(session, user.id, password)
    return user
