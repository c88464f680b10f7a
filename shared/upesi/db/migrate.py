"""Running Alembic from code: `upesi migrate`, web's start-up and the test template database all use this."""

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from upesi.config import get_settings

ALEMBIC_DIR = Path(__file__).parent / "alembic"


def alembic_config(database_url: str | None = None) -> Config:
    settings = get_settings()
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    url = database_url or settings.async_database_url
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def _create_database_if_missing(dsn: str) -> bool:
    """Create the database named in the DSN when it does not exist. Returns True if it was created."""
    base, _, name = dsn.rpartition("/")
    name = name.split("?")[0]
    conn = await asyncpg.connect(base + "/postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
        return not exists
    finally:
        await conn.close()


def migrate(database_url: str | None = None, create: bool = True) -> None:
    """Bring the database up to the newest migration, creating it first if asked."""
    settings = get_settings()
    if create:
        asyncio.run(_create_database_if_missing(settings.asyncpg_dsn))
    command.upgrade(alembic_config(database_url), "head")
