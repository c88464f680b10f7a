"""Mailroom's internal HTTP API is for web only: every call carries MAILROOM_AUTH_TOKEN."""

import secrets

from fastapi import Header, HTTPException

from upesi.config import get_settings


async def require_token(authorization: str = Header(default="")) -> None:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() not in ("token", "bearer") or not secrets.compare_digest(
        value.strip(), get_settings().mailroom_auth_token
    ):
        raise HTTPException(status_code=401, detail="Unauthorized")
