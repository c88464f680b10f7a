"""Courier send throughput with channel TPS respected to the second: N messages queued (as mailroom queues
them) on several External API channels, sent by a real courier process to a local fake provider that counts
arrivals per channel and per second. A few channels have a low TPS that binds; the others' TPS add up to more
than the target. Prints sends/s (first to last arrival), the busiest second of each binding channel, the
`uptime` load, and fails the run on any second over a channel's TPS, any message not sent once, or any
message whose status was not written.

    .venv/bin/python bench/bench_courier_send.py [--messages 20000] [--senders 100]
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import redis
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_courier_receive import profile, started  # noqa: E402
from bench.support import _proc_cpu as proc_cpu  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from upesi.queues.outgoing import OutgoingQueues  # noqa: E402

BINDING = [20, 20, 5]  # TPS of the channels the pacing is checked on
BULK = [500] * 6  # TPS of the channels that carry the volume (3,000/s together)
BINDING_SECONDS = 4  # each binding channel gets this many seconds of its TPS


class Provider:
    """Answers every send with 200 and keeps (channel index, arrival time, message text)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[int, float, str]] = []

    async def send(self, request: web.Request) -> web.Response:
        arrived = time.time()
        form = await request.post()
        self.arrivals.append((int(request.match_info["channel"]), arrived, str(form.get("text", ""))))
        return web.Response(text="ok")

    async def start(self, port: int) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/send/{channel}", self.send)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner


async def seed(
    dsn: str, provider: str, messages: int
) -> tuple[int, list[tuple[str, int, int]], dict[int, int]]:
    """The workspace, its channels [(uuid, tps, id)] and how many messages each channel gets."""
    conn = await asyncpg.connect(dsn)
    try:
        org_id = await conn.fetchval(
            "INSERT INTO orgs (uuid, name) VALUES ($1, 'Bench') RETURNING id", str(uuid.uuid4())
        )
        channels = []
        for i, tps in enumerate(BINDING + BULK):
            channel_uuid = str(uuid.uuid4())
            config = json.dumps({"send_url": f"{provider}/send/{i}", "method": "POST"})
            channel_id = await conn.fetchval(
                """INSERT INTO channels (uuid, org_id, channel_type, name, address, country, schemes, config, tps)
                   VALUES ($1, $2, 'EX', $3, '2020', 'RW', '{tel}', $4::jsonb, $5) RETURNING id""",
                channel_uuid, org_id, f"bench {i}", config, tps,
            )  # fmt: skip
            channels.append((channel_uuid, tps, channel_id))
        shares = {i: tps * BINDING_SECONDS for i, tps in enumerate(BINDING)}
        bulk_total = messages - sum(shares.values())
        for j in range(len(BULK)):
            shares[len(BINDING) + j] = bulk_total // len(BULK) + (1 if j < bulk_total % len(BULK) else 0)
        return org_id, channels, shares
    finally:
        await conn.close()


async def create_messages(
    dsn: str, org_id: int, channels: list[tuple[str, int, int]], shares: dict[int, int]
) -> list[tuple[int, list[dict]]]:
    """Contacts, URNs and Q messages in three statements per channel; returns each channel's message dicts."""
    conn = await asyncpg.connect(dsn)
    out = []
    try:
        for index, (channel_uuid, _, channel_id) in enumerate(channels):
            rows = await conn.fetch(
                """
                WITH c AS (
                    INSERT INTO contacts (uuid, org_id, status, fields, is_active)
                    SELECT gen_random_uuid(), $1, 'A', '{}', true FROM generate_series(1, $3) RETURNING id, uuid
                ), u AS (
                    INSERT INTO contact_urns (org_id, scheme, path, identity, priority, contact_id, auth_tokens)
                    SELECT $1, 'tel', '+2507' || lpad(($2 * 100000 + id)::text, 8, '0'),
                           'tel:+2507' || lpad(($2 * 100000 + id)::text, 8, '0'), 1000, id, '{}' FROM c
                    RETURNING id, contact_id, identity
                )
                INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
                SELECT gen_random_uuid(), $1, $2, u.contact_id, u.id, 'send ' || $2 || ' ' || u.id, 'O', 'Q' FROM u
                RETURNING id, uuid::text, contact_id, contact_urn_id, text,
                          (SELECT identity FROM contact_urns WHERE id = contact_urn_id) AS urn
                """,
                org_id, channel_id, shares[index],
            )  # fmt: skip
            msgs = [
                {
                    "id": r["id"],
                    "uuid": r["uuid"],
                    "org_id": org_id,
                    "channel_uuid": channel_uuid,
                    "contact": {"id": r["contact_id"], "uuid": str(uuid.uuid4())},
                    "urn": r["urn"],
                    "text": r["text"],
                    "attachments": [],
                    "quick_replies": [],
                    "high_priority": False,
                    "origin": "broadcast",
                    "session": None,
                    "tps_cost": 1,
                }
                for r in rows
            ]
            out.append((index, msgs))
        return out
    finally:
        await conn.close()


async def cpu(conn: asyncpg.Connection, courier_pid: int) -> tuple[float, float]:
    """(CPU seconds of courier, of the Postgres backends connected to this database) so far: figures a
    shared machine disturbs far less than elapsed time."""
    backends = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    return proc_cpu(courier_pid), sum(proc_cpu(r["pid"]) for r in backends)


async def settle(conn: asyncpg.Connection, expected: int, timeout: float = 300) -> int:
    """Waits until every message is W, or until nothing has changed for 10 s (a stall: the run fails
    instead of waiting out the timeout); returns how many are W."""
    deadline, last, since = time.time() + timeout, -1, time.time()
    while time.time() < deadline:
        written = await conn.fetchval("SELECT count(*) FROM msgs WHERE direction = 'O' AND status = 'W'")
        if written >= expected:
            return written
        if written != last:
            last, since = written, time.time()
        elif time.time() - since > 10:
            print(f"  STALLED     {written} of {expected} W and no change for 10 s")
            break
        await asyncio.sleep(0.1)
    return int(await conn.fetchval("SELECT count(*) FROM msgs WHERE direction = 'O' AND status = 'W'"))


async def baseline(provider_url: str, messages: int, concurrency: int) -> float:
    """Sends/s of a plain aiohttp client posting the same form to the same provider with as many concurrent
    senders: what the stack does without queues, pacing, logs or statuses."""
    import aiohttp

    counter = iter(range(messages))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def sender() -> None:
            for i in counter:
                data = {
                    "id": str(i),
                    "text": f"baseline {i}",
                    "to": f"+25078{i:07d}",
                    "from": "2020",
                    "channel": "x",
                }
                async with session.post(f"{provider_url}/send/99", data=data) as resp:
                    await resp.read()

        begin = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return messages / (time.perf_counter() - begin)


async def run(args: argparse.Namespace, dsn: str, redis_url: str) -> int:
    provider = Provider()
    provider_port = free_port()
    runner = await provider.start(provider_port)
    failures = 0
    try:
        base_rate = await baseline(f"http://127.0.0.1:{provider_port}", args.messages // 2, args.senders)
        base_load = os.getloadavg()[0]
        provider.arrivals.clear()
        org_id, channels, shares = await seed(dsn, f"http://127.0.0.1:{provider_port}", args.messages)
        batches = await create_messages(dsn, org_id, channels, shares)
        port = free_port()
        env = {"DATABASE_URL": dsn, "REDIS_URL": redis_url, "SPOOL_DIR": f"/tmp/bench-spool-{port}",
               "COURIER_SENDERS": str(args.senders), "ALLOW_PRIVATE_NETWORKS": "true"}  # fmt: skip
        with started("courier", port, env) as proc:
            spy = profile(proc.pid, args.profile) if args.profile else None
            client = __import__("redis.asyncio", fromlist=["from_url"]).from_url(
                redis_url, decode_responses=True
            )
            queues = OutgoingQueues(client)
            conn = await asyncpg.connect(dsn)
            cpu_start = await cpu(conn, proc.pid)
            await conn.close()
            # as a broadcast queues them: one item per contact, in pushes of 500
            items = [(channels[i][0], channels[i][1], [m], False) for i, msgs in batches for m in msgs]
            begin = time.time()
            for start in range(0, len(items), 500):
                await queues.push_many(items[start : start + 500])
            await client.aclose()
            conn = await asyncpg.connect(dsn)
            try:
                written = await settle(conn, args.messages)
                statuses_done = time.time() - begin
                cpu_after = await cpu(conn, proc.pid)
            finally:
                await conn.close()
            if spy:
                spy.send_signal(signal.SIGINT)
                spy.wait()

        arrivals = provider.arrivals
        first, last = min(a[1] for a in arrivals), max(a[1] for a in arrivals)
        bulk = [a[1] for a in arrivals if a[0] >= len(BINDING)]
        load = os.getloadavg()[0]
        print(
            f"courier send: {args.messages} messages, {args.senders} senders, channels TPS {BINDING + BULK}"
        )
        print(
            f"  throughput  {len(arrivals) / (last - first):7.0f} sends/s (first to last arrival)   load {load:.2f}"
        )
        rate = len(bulk) / (max(bulk) - min(bulk))
        print(f"  bulk        {rate:7.0f} sends/s on the unbound channels (target >= 2000)   load {load:.2f}")
        print(
            f"  baseline    {base_rate:7.0f} sends/s from a plain aiohttp client, same provider   load {base_load:.2f}"
        )
        print(f"  ratio       {rate / base_rate:7.2f} of the plain client")
        print(f"  all W after {statuses_done:7.1f} s from the first push   load {load:.2f}")
        courier_cpu, pg_cpu = (after - before for after, before in zip(cpu_after, cpu_start, strict=True))
        print(
            f"  CPU a send  courier {courier_cpu / args.messages * 1e6:5.0f} us, Postgres (this database's backends)"
            f" {pg_cpu / args.messages * 1e6:5.0f} us   load {load:.2f}"
        )
        texts = Counter(a[2] for a in arrivals)
        twice = sum(1 for n in texts.values() if n > 1)
        print(
            f"  arrived     {len(arrivals)} sends, {len(texts)} distinct, {twice} more than once (expected {args.messages})"
        )
        print(f"  statuses    {written} W (expected {args.messages})")
        if len(texts) != args.messages or twice or written != args.messages:
            failures += 1
        for i, (_, tps, _) in enumerate(channels):
            per_second = Counter(int(t) for c, t, _ in arrivals if c == i)
            busiest = max(per_second.values())
            over = {s: n for s, n in per_second.items() if n > tps}
            if i < len(BINDING) or over:
                print(
                    f"  channel {i}   TPS {tps:4d}: busiest second {busiest}, seconds over TPS: {len(over)}"
                )
            failures += len(over)
        return failures
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--profile", help="py-spy's collapsed stacks of courier during the run, to this file")
    args = parser.parse_args()
    template = services.create_template_database()
    db = services.clone_database(template)
    redis_index = services.claim_redis_db()
    try:
        redis_url = services.redis_url(redis_index)
        redis.Redis.from_url(redis_url).flushdb()
        print(f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
        failures = asyncio.run(run(args, services.pg_dsn(db), redis_url))
        print(f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
        if failures:
            sys.exit(f"FAILED: {failures} problem(s) above")
    finally:
        services.drop_database(db)
        services.drop_database(template)
        services.release_redis_db(redis_index)


if __name__ == "__main__":
    main()
