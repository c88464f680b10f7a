"""The migrations and the models describe the same schema, and every migration can be undone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from upesi.config import get_settings
from upesi.db.migrate import alembic_config
from upesi.db.models import Base


async def test_models_match_migrated_schema(env: dict[str, str]) -> None:
    engine = create_async_engine(get_settings().async_database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == [], "models and migrations disagree; add a migration for: " + repr(diff)


def test_single_head_and_full_downgrade_and_upgrade(env: dict[str, str]) -> None:
    cfg = alembic_config()
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
