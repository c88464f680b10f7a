"""The asyncpg connection under an SQLAlchemy session, for hot paths: a statement sent straight to
asyncpg costs a fraction of the CPU of the same statement through SQLAlchemy's async layer, and still runs
inside the session's transaction (committed or rolled back with it). Parameters are positional ($1, $2);
JSONB parameters are passed as JSON text and JSONB results come back decoded, through the codecs
SQLAlchemy's dialect installs on each connection."""

from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession


async def asyncpg_of(db: AsyncSession) -> asyncpg.Connection:
    connection = await db.connection()
    proxied = await connection.get_raw_connection()
    adapted: Any = proxied.dbapi_connection
    # SQLAlchemy opens the transaction lazily, at its own first statement: open it now, so that what we
    # send is inside it (the same call SQLAlchemy makes itself; pinned by uv.lock, checked by a test)
    if adapted._transaction is None:
        await adapted._start_transaction()
    return adapted._connection
