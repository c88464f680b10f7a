"""Signing in and out, with RapidPro's protections: a lockout after 5 failed attempts for 10 minutes (smartmin's
USER_FAILED_LOGIN_LIMIT and USER_LOCKOUT_TIMEOUT), a dummy hash for unknown emails so a wrong email takes as
long as a wrong password, argon2 in a thread so a burst of sign-ins never stalls the event loop, and sessions
kept server-side so signing out or changing a password revokes every copy of a cookie."""

import asyncio
import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import FailedLogin, Membership, User, UserSession
from upesi.db.ops.orgs import check_password, hash_password

FAILED_LOGIN_LIMIT = 5
LOCKOUT = timedelta(minutes=10)
SESSION_AGE = timedelta(days=14)


# argon2 is CPU-bound (and releases the GIL): at most one hash per core at a time, off the event loop, so a
# burst of sign-ins queues here instead of starving every other request of the loop and the CPU
_HASHING = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="argon2")


async def _in_hashing_pool(fn, *args):  # type: ignore[no-untyped-def]
    return await asyncio.get_running_loop().run_in_executor(_HASHING, fn, *args)


@lru_cache
def _dummy_hash() -> str:
    """A hash of a password nobody knows, verified when the email is unknown (RapidPro's trick)."""
    return hash_password(secrets.token_urlsafe(16))


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in the hashing pool; an unknown user (None) costs the same, against a dummy hash."""
    if password_hash is None:
        await _in_hashing_pool(check_password, await _in_hashing_pool(_dummy_hash), password)
        return False
    return bool(await _in_hashing_pool(check_password, password_hash, password))


@dataclass
class SignIn:
    """The outcome of an attempt: `user_id` and `org_id` when it succeeded, `locked_out` when refused unchecked."""

    user_id: int | None = None
    org_id: int | None = None
    locked_out: bool = False


async def attempt_sign_in(db: AsyncSession, email: str, password: str) -> SignIn:
    """Check a sign-in. The attempt is counted (and committed) before the password is checked, under a lock
    on the email, so concurrent guesses cannot all slip in under the limit; success forgets the failures."""
    email = email.strip().lower()
    await db.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:e, 22))"), {"e": email})
    recent = (
        await db.execute(
            select(func.count())
            .select_from(FailedLogin)
            .where(FailedLogin.email == email, FailedLogin.failed_on > func.now() - LOCKOUT)
        )
    ).scalar_one()
    if recent >= FAILED_LOGIN_LIMIT:
        await db.rollback()
        return SignIn(locked_out=True)
    db.add(FailedLogin(email=email))
    await db.commit()

    user = (await db.execute(select(User).where(User.email == email, User.is_active))).scalar_one_or_none()
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return SignIn()
    org_id = (
        await db.execute(
            select(Membership.org_id).where(Membership.user_id == user.id).order_by(Membership.id).limit(1)
        )
    ).scalar_one_or_none()
    if org_id is None:
        return SignIn()
    await db.execute(delete(FailedLogin).where(FailedLogin.email == email))
    user.last_login = datetime.now(UTC)
    return SignIn(user_id=user.id, org_id=org_id)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def open_session(db: AsyncSession, user_id: int) -> str:
    """A new server-side session for the user; returns the key the cookie carries. Also drops the user's
    expired sessions, which keeps the table at about one row per signed-in browser."""
    key = secrets.token_urlsafe(32)
    await db.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_on < func.now())
    )
    db.add(UserSession(key_hash=_key_hash(key), user_id=user_id, expires_on=datetime.now(UTC) + SESSION_AGE))
    return key


def session_matches(key: str | None):  # type: ignore[no-untyped-def]
    """The condition a signed-in query joins on: this key's session exists for the user and is not expired."""
    return (
        (UserSession.user_id == User.id)
        & (UserSession.key_hash == _key_hash(key or ""))
        & (UserSession.expires_on > func.now())
    )


async def close_session(db: AsyncSession, key: str | None) -> None:
    if key:
        await db.execute(delete(UserSession).where(UserSession.key_hash == _key_hash(key)))


async def set_password(
    db: AsyncSession, user_id: int, password: str, keep_session: str | None = None
) -> None:
    """Change a user's password and revoke every session but `keep_session` (the browser that changed it)."""
    new_hash = await _in_hashing_pool(hash_password, password)
    user = await db.get(User, user_id)
    if user is None:
        raise ValueError(f"no user {user_id}")
    user.password_hash = new_hash
    condition = UserSession.user_id == user_id
    if keep_session:
        condition = condition & (UserSession.key_hash != _key_hash(keep_session))
    await db.execute(delete(UserSession).where(condition))
