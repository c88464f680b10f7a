"""Real Postgres and Redis for tests: a template database migrated once per test session and cloned
per test, and a Redis database index of this session's own, so several test runs can share a machine."""

import asyncio
import os
import subprocess
import uuid
from pathlib import Path

import asyncpg
import redis

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
ROOT = Path(__file__).resolve().parents[2]


def pg_dsn(name: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def admin(sql: str) -> None:
    asyncio.run(_admin(sql))


def create_template_database() -> str:
    """A freshly migrated database to clone tests' databases from."""
    drop_orphaned_databases()
    name = f"upesi_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin(f'CREATE DATABASE "{name}"')
    env = dict(os.environ, DATABASE_URL=pg_dsn(name))
    subprocess.run([str(ROOT / ".venv/bin/upesi"), "migrate", "--no-create"], check=True, env=env, cwd=ROOT)
    return name


def clone_database(template: str) -> str:
    name = f"upesi_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def drop_database(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_redis_db() -> int:
    """A Redis database index (1-15) that no other live test session on this machine holds; the claim of a
    session that was killed is taken over."""
    claims = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0)
    for index in range(1, 16):
        key = f"upesi:test-redis-db:{index}"
        if claims.set(key, os.getpid(), nx=True, ex=6 * 3600):
            return index
        holder = claims.get(key)
        if holder is not None and holder.isdigit() and not _alive(int(holder)):
            claims.set(key, os.getpid(), ex=6 * 3600)
            # a killed session leaves its keys (queues, leases, locks), and maybe its services still running on
            # them: start from an empty index, so nothing of the dead session's is taken for this one's
            redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=index).flushdb()
            return index
    raise RuntimeError("no free Redis database index for tests (1-15 are all claimed)")


def drop_orphaned_databases() -> None:
    """Databases of test sessions that were killed before they could clean up (named after their pid)."""

    async def go() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            names = [
                r["datname"]
                for r in await conn.fetch(
                    "SELECT datname FROM pg_database WHERE datname ~ '^upesi_(t|tpl)_[0-9]+_'"
                )
            ]
            for name in names:
                if not _alive(int(name.split("_")[2])):
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(go())


def release_redis_db(index: int) -> None:
    claims = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0)
    claims.delete(f"upesi:test-redis-db:{index}")


def redis_url(index: int) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{index}"
