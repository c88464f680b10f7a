"""The async engine and session factory, one per process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from upesi.config import get_settings

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        # orjson decodes JSONB columns: mailroom reads a whole session for every message it handles
        _engine = create_async_engine(
            get_settings().async_database_url, pool_size=10, max_overflow=10, json_deserializer=orjson.loads
        )
        event.listen(_engine.sync_engine, "checkout", _refuse_closed)
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection whose socket the server closed (a restart, a terminated backend) is replaced at
    checkout. asyncpg notices the close as soon as the event loop sees it, so this costs no round trip,
    unlike pool_pre_ping's, which every transaction of every hot path would pay."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("connection closed by the server")


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    """A session inside one transaction, committed on success. Services take the session and never commit."""
    async with sessionmaker()() as session, session.begin():
        yield session


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None
