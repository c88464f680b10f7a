"""Fixtures shared by all tests. Databases and Redis are real; see tests/support/services.py."""

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
import redis as sync_redis

from tests.support import services
from upesi.config import reset_settings

# a real key, new each test session: web refuses to start with a published one (issue #22 point 5)
TEST_SECRET_KEY = secrets.token_urlsafe(32)


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    name = services.create_template_database()
    yield name
    services.drop_database(name)


@pytest.fixture(scope="session")
def redis_db() -> Iterator[int]:
    index = services.claim_redis_db()
    yield index
    sync_redis.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=index).flushdb()
    services.release_redis_db(index)


@pytest.fixture
def env(template_db: str, redis_db: int, tmp_path) -> Iterator[dict[str, str]]:
    """A database of this test's own and an empty Redis database, set in the environment (so services
    started by the test inherit them) and in the settings object."""
    db_name = services.clone_database(template_db)
    sync_redis.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=redis_db).flushdb()
    values = {
        "DATABASE_URL": services.pg_dsn(db_name),
        "REDIS_URL": services.redis_url(redis_db),
        "SPOOL_DIR": str(tmp_path / "spool"),
        "ALLOW_PRIVATE_NETWORKS": "true",
        "MAILROOM_AUTH_TOKEN": "test-mailroom-token",
        "SECRET_KEY": TEST_SECRET_KEY,
    }
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    reset_settings()
    yield values
    for key, old in saved.items():
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old
    reset_settings()
    services.drop_database(db_name)


@pytest.fixture
async def db(env: dict[str, str]) -> AsyncIterator[None]:
    """The process-wide engine and Redis client pointed at this test's database, disposed afterwards."""
    from upesi.db.engine import dispose_engine
    from upesi.queues.redis import close_redis

    yield None
    await dispose_engine()
    await close_redis()
