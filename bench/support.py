"""Benchmarks run against a database and Redis index of their own, made and dropped here."""

import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402
from upesi.config import reset_settings  # noqa: E402
from upesi.queues.tasks import MailroomTask  # noqa: E402


@contextmanager
def bench_environment() -> Iterator[dict[str, str]]:
    template = services.create_template_database()
    db_name = services.clone_database(template)
    redis_index = services.claim_redis_db()
    values = {
        "DATABASE_URL": services.pg_dsn(db_name),
        "REDIS_URL": services.redis_url(redis_index),
        "ALLOW_PRIVATE_NETWORKS": "true",
        "MAILROOM_AUTH_TOKEN": "bench-token",
    }
    os.environ.update(values)
    reset_settings()
    try:
        yield values
    finally:
        import redis

        redis.Redis.from_url(values["REDIS_URL"]).flushdb()
        services.release_redis_db(redis_index)
        services.drop_database(db_name)
        services.drop_database(template)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


async def group_of_contacts(session: Any, org_id: int, size: int) -> int:
    """A manual group of `size` new contacts with tel URNs, in two statements; returns its id. The numbers
    are valid ones of the demo workspace's country (US, area code 202): the engine finds each contact's
    country from its number, and an invalid number makes phonenumbers try every region of +1."""
    from sqlalchemy import text

    group_id = (
        await session.execute(
            text(
                "INSERT INTO contact_groups (uuid, org_id, name, group_type, status, is_active)"
                " VALUES (gen_random_uuid(), :o, 'Everyone', 'M', 'R', true) RETURNING id"
            ),
            {"o": org_id},
        )
    ).scalar_one()
    await session.execute(
        text(
            """
            WITH c AS (
                INSERT INTO contacts (uuid, org_id, name, status, fields, is_active)
                SELECT gen_random_uuid(), :o, 'Contact ' || i, 'A', '{}', true FROM generate_series(1, :n) i
                RETURNING id
            ), u AS (
                INSERT INTO contact_urns (org_id, scheme, path, identity, priority, contact_id, auth_tokens)
                SELECT :o, 'tel', '+1202' || (2000000 + id), 'tel:+1202' || (2000000 + id), 1000, id, '{}' FROM c
            )
            INSERT INTO contact_group_contacts (group_id, contact_id) SELECT :g, id FROM c
            """
        ),
        {"o": org_id, "n": size, "g": group_id},
    )
    return int(group_id)


async def pushed_once() -> int:
    """Messages in courier's queues (messages are written Q before their push, so the rows alone do not say they
    were pushed); raises if one was pushed twice. Read only once a job says it is complete."""
    import orjson

    from upesi.queues.redis import get_redis

    redis = get_redis()
    uuids: list[str] = []
    async for key in redis.scan_iter(match="msgs:*/[01]", count=1000):
        for item in await redis.zrange(key, 0, -1):
            uuids += [m["uuid"] for m in orjson.loads(item)]
    if len(set(uuids)) != len(uuids):
        raise AssertionError(f"{len(uuids) - len(set(uuids))} messages pushed more than once")
    return len(uuids)


async def job_progress(table: str, job_id: int) -> tuple[str, int]:
    """A bulk job's status (flow_starts or broadcasts), and the messages queued once it is complete:
    counting them on every poll would load the Postgres being measured."""
    from sqlalchemy import text

    from upesi.db.engine import transaction

    async with transaction() as s:
        row = (
            await s.execute(
                text(
                    f"SELECT status, CASE WHEN status = 'C' THEN (SELECT count(*) FROM msgs WHERE status = 'Q')"
                    f" ELSE 0 END AS queued FROM {table} WHERE id = :id"
                ),
                {"id": job_id},
            )
        ).one()
        return row.status, row.queued


async def run_bulk_job(
    org_id: int, task: MailroomTask, contacts: int, processes_: int, workers: str,
    progress: Callable[[], Awaitable[tuple[str, int]]],
) -> tuple[float, int]:  # fmt: skip
    """Start `processes_` mailroom processes, push the bulk task and wait until progress() says the job is
    complete ("C") with every message queued; returns (seconds, messages queued)."""
    import asyncio
    import time
    from contextlib import ExitStack

    from tests.support import processes
    from upesi.queues.redis import get_redis
    from upesi.queues.tasks import queue_task

    with ExitStack() as stack:
        procs = []
        for _ in range(processes_):
            procs.append(
                stack.enter_context(
                    processes.service(
                        "mailroom",
                        processes.free_port(),
                        # no courier drains the outbox here: the throttle would pause the job at 10,000
                        {"MAILROOM_WORKERS": workers, "MAILROOM_OUTBOX_LIMIT": str(contacts * 2)},
                    )
                )
            )
        pids = [p.pid for p in procs]
        cpu_before = await cpu_seconds(pids)
        begin = time.perf_counter()
        await queue_task(get_redis(), org_id, task)
        while True:
            status, queued = await progress()
            if status == "C" and queued >= contacts and await pushed_once() >= contacts:
                elapsed = time.perf_counter() - begin
                mailroom, postgres = (
                    after - before for after, before in zip(await cpu_seconds(pids), cpu_before, strict=True)
                )
                print(f"CPU during the job: mailroom {mailroom:.1f} s, Postgres (this database's backends) {postgres:.1f} s"
                      f" = {mailroom / contacts * 1e6:.0f} + {postgres / contacts * 1e6:.0f} us a contact;"
                      f" load {os.getloadavg()[0]:.1f}")  # fmt: skip
                return elapsed, queued
            await asyncio.sleep(0.25)


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_seconds(mailroom_pids: list[int]) -> tuple[float, float]:
    """(CPU seconds of the mailroom processes, of the Postgres backends connected to this benchmark's
    database): figures that a machine shared with other work disturbs far less than elapsed time.
    Backends that come and go between two readings are missed; mailroom's pool keeps its own."""
    from sqlalchemy import text

    from upesi.db.engine import transaction

    async with transaction() as s:
        backends = (
            await s.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        ).scalars()
        pg = sum(_proc_cpu(pid) for pid in backends)
    return sum(_proc_cpu(pid) for pid in mailroom_pids), pg
