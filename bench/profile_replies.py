"""Where a reply's CPU and round trips go: mailroom's realtime workers in this process drain BENCH_CONTACTS
answers to waiting sessions (the demo flow, as bench_mailroom_latency.py), queued beforehand so that only
the handling is measured. Prints CPU a reply (this process, and this database's Postgres backends) and the
round trips a reply makes to Postgres and to Redis (writes on their sockets, counted at the transport).

    .venv/bin/python bench/profile_replies.py                    (BENCH_CONTACTS, BENCH_MAILROOM_WORKERS)
    py-spy record -o /tmp/replies.svg -- .venv/bin/python bench/profile_replies.py   (the profile as well)

PROFILE_SQL runs a statement before the measured drain (a schema change to measure); PROFILE_ONLY_DRAIN=1 holds the measured drain until /tmp/replies.ready is removed,
so that py-spy can be attached (py-spy record --pid) to the drain alone."""

import asyncio
import gc
import os
import time
from asyncio import selector_events
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
from bench_mailroom_latency import arrive
from support import ROOT, bench_environment, cpu_seconds, machine  # noqa: F401  (sets sys.path)

from mailroom import collector
from mailroom.foreman import Foreman
from tests.mailroom.support import receive_many
from upesi.config import get_settings
from upesi.db.engine import dispose_engine, transaction
from upesi.db.raw import asyncpg_of
from upesi.queues.fair import QUEUE_REALTIME
from upesi.queues.redis import close_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "2000"))
WORKERS = int(os.environ.get("BENCH_MAILROOM_WORKERS", "16"))
READY = "/tmp/replies.ready"

# socket writes by remote port, on every transport but the benchmark's own connection
writes: Counter[int] = Counter()
trace: list[tuple[int, bytes]] = []  # with PROFILE_TRACE: what was written, for reading a reply's trips
_ignored: set[int] = set()
_write = selector_events._SelectorSocketTransport.write


def _counting_write(self: Any, data: Any) -> None:
    if id(self) not in _ignored:
        peer = self.get_extra_info("peername")
        writes[peer[1] if peer else 0] += 1
        if os.environ.get("PROFILE_TRACE"):
            trace.append((peer[1] if peer else 0, bytes(data)[:300]))
    _write(self, data)


# with PROFILE_STATEMENTS: each statement's Postgres CPU, read from its backend's /proc schedstat around it
statements: dict[str, list[float]] = {}


def _backend_ns(conn: asyncpg.Connection) -> int:
    with open(f"/proc/{conn.get_server_pid()}/schedstat") as f:
        return int(f.read().split()[0])


def _measured(method: Any) -> Any:
    async def measured(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if id(self._transport) in _ignored:  # type: ignore[attr-defined]
            return await method(self, query, *args, **kwargs)
        before = _backend_ns(self)
        try:
            return await method(self, query, *args, **kwargs)
        finally:
            key = " ".join(query.split())[:90]
            statements.setdefault(key, []).append((_backend_ns(self) - before) / 1000)

    return measured


def measure_statements() -> None:
    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        setattr(asyncpg.Connection, name, _measured(getattr(asyncpg.Connection, name)))


async def unhandled(conn: asyncpg.Connection, org_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM msgs WHERE org_id = $1 AND ((direction = 'I' AND status <> 'H') OR status = 'I')",
            org_id,
        )
    )


async def drain(conn: asyncpg.Connection, org_id: int) -> None:
    foreman = Foreman(QUEUE_REALTIME, WORKERS, max_active_per_owner=max(1, WORKERS // 2))
    foreman.start()
    while await unhandled(conn, org_id):
        await asyncio.sleep(0.2)
    await foreman.stop()


async def explain(conn: asyncpg.Connection, org_id: int, contact: asyncpg.Record) -> None:
    """The plans the reply's reads get once Postgres settles on a generic plan (asyncpg prepares them)."""
    from mailroom.contact_events.msg_received import _STATE
    from mailroom.contacts import _CONTACTS

    msg_uuid = await conn.fetchval(
        "SELECT uuid::text FROM msgs WHERE contact_id = $1 LIMIT 1", contact["contact_id"]
    )
    for name, sql, args in (
        ("contacts", _CONTACTS, [[contact["contact_id"]]]),
        (
            "state",
            _STATE,
            [contact["contact_id"], org_id, contact["channel_id"], msg_uuid, contact["urn_id"]],
        ),
    ):
        for mode in ("force_custom_plan", "force_generic_plan"):
            tr = conn.transaction()
            await tr.start()
            await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
            stmt = await conn.prepare("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            print(f"--- {name} {mode}")
            for row in await stmt.fetch(*args):
                print(row[0])
            await tr.rollback()


async def main() -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    await receive_many(org.id, DEMO_CHANNEL_UUID, CONTACTS + 100, "join", first_number=1)
    dsn = get_settings().database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    _ignored.add(id(conn._transport))  # type: ignore[attr-defined]
    collector.tune()
    await drain(conn, org.id)  # every contact now waits for its name
    contacts = await conn.fetch(
        "SELECT u.contact_id, u.id AS urn_id, u.identity, ch.id AS channel_id FROM contact_urns u"
        " JOIN channels ch ON ch.uuid = $2 WHERE u.org_id = $1 ORDER BY u.contact_id",
        org.id, DEMO_CHANNEL_UUID,
    )  # fmt: skip
    # a warm-up of 100 (scene, pool, prepared statements), then the measured answers
    for contact in contacts[:100]:
        await arrive(conn, org.id, contact["channel_id"], contact)
    await drain(conn, org.id)
    for contact in contacts[100:]:
        await arrive(conn, org.id, contact["channel_id"], contact)
    if os.environ.get("PROFILE_ONLY_DRAIN"):
        Path(READY).touch()
        print(f"pid {os.getpid()}: remove {READY} to start the drain", flush=True)
        while os.path.exists(READY):
            await asyncio.sleep(0.2)
    n = len(contacts) - 100
    if sql := os.environ.get("PROFILE_SQL"):  # e.g. a schema change to measure, made before the drain
        await conn.execute(sql)
    gc_before = [s["collections"] for s in gc.get_stats()]
    if os.environ.get("PROFILE_STATEMENTS"):
        measure_statements()
    pg_before = (await cpu_seconds([]))[1]
    selector_events._SelectorSocketTransport.write = _counting_write  # type: ignore[method-assign]
    begin, cpu = time.perf_counter(), os.times()
    await drain(conn, org.id)
    after = os.times()
    user_ms, system_ms = ((after.user - cpu.user) * 1000 / n, (after.system - cpu.system) * 1000 / n)
    cpu_ms = user_ms + system_ms
    wall = time.perf_counter() - begin
    selector_events._SelectorSocketTransport.write = _write  # type: ignore[method-assign]
    pg_ms = ((await cpu_seconds([]))[1] - pg_before) * 1000 / n
    gc_runs = [s["collections"] - b for s, b in zip(gc.get_stats(), gc_before, strict=True)]
    replies = await conn.fetchval(
        "SELECT count(*) FROM msgs WHERE org_id = $1 AND direction = 'O' AND text LIKE 'Thanks%'", org.id
    )
    assert replies == len(contacts), f"{replies} replies for {len(contacts)} answers"
    print(
        f"{n} replies in {wall:.1f} s ({n / wall:.0f}/s, {WORKERS} workers): CPU a reply: this process "
        f"{cpu_ms:.2f} ms (user {user_ms:.2f}, system {system_ms:.2f}), Postgres {pg_ms:.2f} ms; socket writes a reply: Postgres {writes[5432] / n:.2f}, "
        f"Redis {writes[6379] / n:.2f}, other {sum(v for k, v in writes.items() if k not in (5432, 6379)) / n:.2f}"
        f"; garbage collections by generation {gc_runs} (load {os.getloadavg()[0]:.1f}; {machine()})"
    )
    if os.environ.get("PROFILE_EXPLAIN"):
        await explain(conn, org.id, contacts[-1])
        async with (
            transaction() as db
        ):  # one of mailroom's pooled connections: how its statements were planned
            for r in await (await asyncpg_of(db)).fetch(
                "SELECT generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ', 'g'), 80) AS s"
                " FROM pg_prepared_statements ORDER BY custom_plans DESC"
            ):
                print(f"generic {r['generic_plans']:5d} custom {r['custom_plans']:5d} {r['s']}")
    for key, costs in sorted(statements.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"{len(costs) / n:5.2f} a reply, {sum(costs) / len(costs):6.0f} us each, {sum(costs) / n:6.0f} us a reply: {key}"
        )
    if os.environ.get("PROFILE_TRACE"):
        for port, data in trace[: int(os.environ["PROFILE_TRACE"])]:
            print(port, data)
    await conn.close()
    await dispose_engine()
    await close_redis()


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
