"""Courier receive throughput and latency: N External API messages posted with C concurrent clients against
a real courier process, a fresh database and a private Redis database; then the same driver, in the same run,
against a trivial FastAPI endpoint that parses the same form and stores nothing (the baseline). Prints both,
the ratio courier/baseline, each server's CPU per request (and courier's Postgres backends'), the `uptime`
load, and checks that each message was stored once and queued for mailroom once.

Throughput is measured closed-loop (C clients, each posting as soon as its last answer came), where the p50 is
C / rate by Little's law and says nothing of the server; the latency a provider sees is then measured
open-loop at a fixed rate below both servers' capacity (--rate, requests started on a clock whatever the
answers), which is where p50 < 10 ms is judged.

    .venv/bin/python bench/bench_courier_receive.py [--messages 5000] [--concurrency 50] [--rate 200]
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import asyncpg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402
from tests.support.processes import UPESI, free_port, running, wait_for_http  # noqa: E402


@contextmanager
def started(name: str, port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`upesi <name>` until the block ends; given 5 minutes to answer (a loaded machine imports slowly)."""
    log = open(f"/tmp/bench-{name}-{port}.log", "ab")
    args = [UPESI, name, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(args, env=dict(os.environ, **env), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=300, proc=proc)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def baseline_app() -> object:
    """The trivial endpoint: the same route shape, the form parsed, a small JSON answer."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/health")
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.post("/c/ex/{channel_uuid}/receive")
    async def receive(channel_uuid: str, request: Request) -> JSONResponse:
        form = await request.form()
        return JSONResponse(
            {"message": "Message Accepted", "data": [{"urn": form["from"], "text": form["text"]}]}
        )

    return app


def serve_baseline(port: int) -> None:
    import uvicorn

    uvicorn.run(baseline_app(), host="127.0.0.1", port=port, log_config=None, access_log=False)  # type: ignore[arg-type]


async def seed(dsn: str) -> tuple[int, str]:
    conn = await asyncpg.connect(dsn)
    try:
        org_id = await conn.fetchval(
            "INSERT INTO orgs (uuid, name) VALUES ($1, 'Bench') RETURNING id", str(uuid.uuid4())
        )
        channel_uuid = str(uuid.uuid4())
        await conn.execute(
            """INSERT INTO channels (uuid, org_id, channel_type, name, address, country, schemes, config, tps)
               VALUES ($1, $2, 'EX', 'bench', '2020', 'RW', '{tel}', '{}', 10)""",
            channel_uuid, org_id,
        )  # fmt: skip
        return org_id, channel_uuid
    finally:
        await conn.close()


async def post_all(
    url: str, messages: int, concurrency: int, prefix: str = "bench"
) -> tuple[list[float], float]:
    """Latencies of each request and the elapsed seconds of the whole run."""
    latencies: list[float] = []
    counter = iter(range(messages))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def client() -> None:
            for i in counter:
                start = time.perf_counter()
                data = {"from": f"+2507880{i:05d}", "text": f"{prefix} message {i}"}
                async with session.post(url, data=data) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"status {resp.status}")
                latencies.append(time.perf_counter() - start)

        begin = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return latencies, time.perf_counter() - begin


async def stored(dsn: str) -> tuple[int, int]:
    """(incoming rows, distinct texts among them)."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT text) AS d FROM msgs WHERE direction = 'I'"
        )
        return row["n"], row["d"]
    finally:
        await conn.close()


def queued(redis_url: str, org_id: int) -> tuple[int, int]:
    """(msg_received events in the contacts' lists, distinct message uuids among them)."""
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    total, uuids = 0, set()
    for key in r.scan_iter(f"c:{org_id}:*", count=1000):
        for item in r.lrange(key, 0, -1):
            event = json.loads(item)
            if event["type"] == "msg_received":
                total += 1
                uuids.add(event["task"]["msg_uuid"])
    return total, len(uuids)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used (0 when it is gone or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_pids(dsn: str) -> list[int]:
    """The Postgres backends connected to the bench database (courier's pool), but not this query's own."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


class CpuMeter:
    """CPU used by a server process, and optionally by the bench database's Postgres backends, over a block."""

    def __init__(self, pid: int, dsn: str | None = None) -> None:
        self.pid, self.dsn = pid, dsn
        self.server = self.postgres = 0.0

    def _pg(self) -> dict[int, float]:
        return {p: cpu_seconds(p) for p in asyncio.run(backend_pids(self.dsn))} if self.dsn else {}

    @contextmanager
    def measure(self) -> Iterator[None]:
        server, pg = cpu_seconds(self.pid), self._pg()
        yield
        self.server += cpu_seconds(self.pid) - server
        self.postgres += sum(cpu - pg.get(p, 0.0) for p, cpu in self._pg().items())


async def post_paced(url: str, messages: int, rate: float, prefix: str) -> list[float]:
    """Open-loop latencies: request i starts at i / rate seconds whatever the earlier answers."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(i: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            start = time.perf_counter()
            data = {"from": f"+2507881{i:05d}", "text": f"{prefix} message {i}"}
            async with session.post(url, data=data) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"status {resp.status}")
            latencies.append(time.perf_counter() - start)

        begin = time.perf_counter()
        await asyncio.gather(*(one(i, begin + i / rate) for i in range(messages)))
    return latencies


def profile(pid: int, path: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the courier process (its child, uvicorn's worker is the same process)."""
    spy = [
        str(ROOT / ".venv/bin/py-spy"),
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "200",
        "--gil",
    ]
    proc = subprocess.Popen([*spy, "--nonblocking", "-o", path], stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches before the run starts
    return proc


def quantiles(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms"


def figures(name: str, messages: int, latencies: list[float], elapsed: float, cpu: CpuMeter) -> float:
    rate = messages / elapsed
    pg = f" + postgres {cpu.postgres / messages * 1000:.2f}" if cpu.dsn else ""
    print(
        f"  {name:<9} {rate:7.0f} req/s   {quantiles(latencies)}   cpu {cpu.server / messages * 1000:.2f}{pg}"
        " ms/req"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200, help="requests/s of the open-loop latency run")
    parser.add_argument("--paced", type=int, default=2000, help="requests of the open-loop latency run")
    parser.add_argument("--profile", help="py-spy's collapsed stacks of courier during the run, to this file")
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return

    template = services.create_template_database()
    db = services.clone_database(template)
    redis_index = services.claim_redis_db()
    warm = 200
    try:
        dsn = services.pg_dsn(db)
        redis_url = services.redis_url(redis_index)
        redis.Redis.from_url(redis_url).flushdb()  # an earlier run's events would be counted
        org_id, channel_uuid = asyncio.run(seed(dsn))
        print(f"courier receive: {args.messages} messages, concurrency {args.concurrency}")
        print(f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")

        port = free_port()
        baseline_cmd = [sys.executable, __file__, "--serve-baseline", str(port)]
        with running(baseline_cmd, f"http://127.0.0.1:{port}/health") as base_proc:
            url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}/receive"
            asyncio.run(post_all(url, warm, 10, "warm-up"))
            base_cpu = CpuMeter(base_proc.pid)
            with base_cpu.measure():
                base_lat, base_elapsed = asyncio.run(post_all(url, args.messages, args.concurrency))
            base_paced = asyncio.run(post_paced(url, args.paced, args.rate, "paced"))

        port = free_port()
        env = {"DATABASE_URL": dsn, "REDIS_URL": redis_url, "SPOOL_DIR": f"/tmp/bench-spool-{port}",
               "COURIER_SENDERS": "0"}  # fmt: skip
        with started("courier", port, env) as proc:
            url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}/receive"
            asyncio.run(post_all(url, warm, 10, "warm-up"))  # warm up connections and caches
            spy = profile(proc.pid, args.profile) if args.profile else None
            cpu = CpuMeter(proc.pid, dsn)
            with cpu.measure():
                lat, elapsed = asyncio.run(post_all(url, args.messages, args.concurrency))
            if spy:
                spy.send_signal(signal.SIGINT)
                spy.wait()
            paced = asyncio.run(post_paced(url, args.paced, args.rate, "paced"))

        print(f"  closed loop, concurrency {args.concurrency}:")
        base_rate = figures("baseline", args.messages, base_lat, base_elapsed, base_cpu)
        rate = figures("courier", args.messages, lat, elapsed, cpu)
        print(f"  ratio     {rate / base_rate:7.2f} of the trivial endpoint (target >= 0.5)")
        print(f"  open loop, {args.rate:.0f} req/s (target: courier p50 < 10 ms):")
        print(f"  baseline  {quantiles(base_paced)}")
        print(f"  courier   {quantiles(paced)}")
        rows, distinct = asyncio.run(stored(dsn))
        events, event_uuids = queued(redis_url, org_id)
        expected = args.messages + args.paced + warm
        print(f"  stored    {rows} rows, {distinct} distinct (expected {expected})")
        print(f"  queued    {events} msg_received, {event_uuids} distinct (expected {expected})")
        print(f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
        if not rows == distinct == events == event_uuids == expected:
            sys.exit("FAILED: a message was lost or stored/queued twice")
    finally:
        services.drop_database(db)
        services.drop_database(template)
        services.release_redis_db(redis_index)


if __name__ == "__main__":
    main()
