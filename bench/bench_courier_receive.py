"""Courier receive throughput and latency: N External API messages posted with C concurrent clients against
a real courier process, a fresh database and a private Redis database. Prints requests/s, latency
percentiles and how many messages were stored.

    .venv/bin/python bench/bench_courier_receive.py [--messages 5000] [--concurrency 50]
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402
from tests.support.processes import free_port, service  # noqa: E402


async def seed(dsn: str) -> str:
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
        return channel_uuid
    finally:
        await conn.close()


async def post_all(url: str, messages: int, concurrency: int, prefix: str = "bench") -> list[float]:
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

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies


async def count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM msgs WHERE direction = 'I'")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()

    template = services.create_template_database()
    db = services.clone_database(template)
    redis_index = services.claim_redis_db()
    try:
        dsn = services.pg_dsn(db)
        channel_uuid = asyncio.run(seed(dsn))
        port = free_port()
        env = {"DATABASE_URL": dsn, "REDIS_URL": services.redis_url(redis_index), "SPOOL_DIR": f"/tmp/bench-spool-{port}",
               "COURIER_SENDERS": "0"}  # fmt: skip
        with service("courier", port, env, log=Path(f"/tmp/bench-courier-{port}.log")):
            url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}/receive"
            asyncio.run(post_all(url, 200, 10, "warm-up"))  # warm up connections and caches
            start = time.perf_counter()
            latencies = asyncio.run(post_all(url, args.messages, args.concurrency))
            elapsed = time.perf_counter() - start
        stored = asyncio.run(count(dsn))
        quantiles = statistics.quantiles(latencies, n=100)
        print(f"courier receive: {args.messages} messages, concurrency {args.concurrency}")
        print(f"  throughput   {args.messages / elapsed:8.0f} msgs/s")
        print(f"  latency p50  {quantiles[49] * 1000:8.1f} ms")
        print(f"  latency p95  {quantiles[94] * 1000:8.1f} ms")
        print(f"  latency p99  {quantiles[98] * 1000:8.1f} ms")
        print(f"  stored       {stored} (expected {args.messages + 200})")
    finally:
        services.drop_database(db)
        services.drop_database(template)
        services.release_redis_db(redis_index)


if __name__ == "__main__":
    main()
