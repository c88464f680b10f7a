"""One PostgreSQL cluster and one Redis of this module's own (started here, never the shared ones), a template
database seeded once, and per test a clone of it with the whole stack running against it."""

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.faults.stack import CONTACTS, SERVICES, TEMPLATE, Stack, seed_template
from tests.support.own_servers import OwnPostgres, OwnRedis, own_postgres, own_redis
from tests.support.processes import ROOT, free_port


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OwnPostgres, OwnRedis]]:
    base = tmp_path_factory.mktemp("faults")
    # not under pytest's own temporary directory: pytest keeps that 0700, and as root the cluster is postgres's
    data = Path(tempfile.mkdtemp(prefix="upesi-faults-pg-"))
    try:
        with (
            own_postgres(free_port(), data / "pg") as pg,
            own_redis(free_port(), base / "redis.log") as redis,
        ):
            began = time.monotonic()
            asyncio.run(_admin(pg.admin_dsn, f'CREATE DATABASE "{TEMPLATE}"'))
            seed_template(pg, CONTACTS)
            print(f"\nfaults: template with {CONTACTS} contacts seeded in {time.monotonic() - began:.1f}s")
            yield pg, redis
    finally:
        shutil.rmtree(data, ignore_errors=True)


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def stack(servers: tuple[OwnPostgres, OwnRedis], request: pytest.FixtureRequest) -> Iterator[Stack]:
    pg, redis = servers
    if not pg.running():
        pg.start()
    if redis.proc is None:
        redis.start()
    database = f"upesi_faults_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg.admin_dsn, f'CREATE DATABASE "{database}" TEMPLATE "{TEMPLATE}"'))
    import redis as sync_redis

    sync_redis.Redis(port=redis.port).flushall()
    # the services' logs, kept where the next test session (ours or another on this machine) does not clear them
    logs = ROOT / "var" / "faults" / request.node.name
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    stack = Stack(pg, redis, database, logs)
    # the template's channel sends nowhere: point it at this test's fake provider
    stack.query(
        "UPDATE channels SET config = jsonb_set(config, '{send_url}', to_jsonb($1::text))",
        stack.url("fake") + "/send",
    )
    began = time.monotonic()
    stack.start("fake", *SERVICES)
    print(f"\nfaults: services up in {time.monotonic() - began:.1f}s")
    try:
        yield stack
    finally:
        stack.stop_all()
        if not pg.running():
            pg.start()
        asyncio.run(_admin(pg.admin_dsn, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
