import asyncio

import asyncpg
from sqlalchemy import text

from upesi.config import get_settings
from upesi.db.engine import transaction


async def test_a_connection_the_server_closed_is_replaced_at_checkout(db: None) -> None:
    async with transaction() as s:
        first_pid = (await s.execute(text("SELECT pg_backend_pid()"))).scalar()
    killer = await asyncpg.connect(get_settings().database_url)
    try:
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", first_pid)
    finally:
        await killer.close()
    await asyncio.sleep(0.2)  # the event loop sees the pooled connection's socket close

    async with transaction() as s:  # no pre-ping round trip, and yet no "connection was closed" error
        second_pid = (await s.execute(text("SELECT pg_backend_pid()"))).scalar()
    assert second_pid != first_pid
