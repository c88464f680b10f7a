"""Two-factor authentication, as RapidPro's (allauth.mfa): a time-based one-time password app (TOTP, RFC 6238,
30-second codes of 6 digits) and 10 single-use backup tokens for when the phone is lost. Turning it on
needs a code from the app; turning it off needs the password."""

import hashlib
import secrets

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import User
from upesi.db.ops.signin import verify_password
from upesi.domain.errors import DomainError

ISSUER = "Upesi"
BACKUP_TOKENS = 10
INVALID_CODE = "Incorrect code."


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    """What an authenticator app reads (as a QR code or typed in): otpauth://totp/Upesi:<email>?secret=..."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _hash(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def _totp_ok(secret: str, code: str) -> bool:
    code = code.strip().replace(" ", "")
    # a step either side, for clocks that drift
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def _new_backup_tokens(user: User) -> list[str]:
    tokens = [secrets.token_hex(4) for _ in range(BACKUP_TOKENS)]
    user.backup_token_hashes = [_hash(t) for t in tokens]
    return tokens


async def enable(session: AsyncSession, *, user_id: int, secret: str, code: str) -> list[str]:
    """Turn it on once the app shows a right code; the backup tokens come back once, to be shown once."""
    user = await session.get(User, user_id)
    if user is None:
        raise DomainError("user", "No such user.")
    if not secret or not _totp_ok(secret, code):
        raise DomainError("code", INVALID_CODE)
    user.totp_secret = secret
    tokens = _new_backup_tokens(user)
    await session.flush()
    return tokens


async def disable(session: AsyncSession, *, user_id: int, password: str) -> None:
    user = await session.get(User, user_id)
    if user is None:
        raise DomainError("user", "No such user.")
    if not await verify_password(user.password_hash, password):
        raise DomainError("password", "Please enter your password to save changes.")
    user.totp_secret = None
    user.backup_token_hashes = []
    await session.flush()


async def new_backup_tokens(session: AsyncSession, *, user_id: int) -> list[str]:
    """A fresh set; the old ones stop working."""
    user = await session.get(User, user_id)
    if user is None or not user.totp_secret:
        raise DomainError("user", "Two-factor authentication is not on.")
    tokens = _new_backup_tokens(user)
    await session.flush()
    return tokens


async def verify(session: AsyncSession, *, user_id: int, code: str) -> bool:
    """A sign-in's second step: an app code, or an unused backup token (used up by this)."""
    user = await session.get(User, user_id)
    if user is None or not user.totp_secret:
        return False
    if _totp_ok(user.totp_secret, code):
        return True
    digest = _hash(code)
    if digest in (user.backup_token_hashes or []):
        user.backup_token_hashes = [h for h in user.backup_token_hashes if h != digest]
        await session.flush()
        return True
    return False
