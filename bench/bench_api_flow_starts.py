"""Benchmark: POST flow_starts the way CHT's outbound push does (one URN, `extra` params), over a real
`upesi web` process: requests per second with concurrent senders, and that every start reached the
mailroom queue. Prints its figures; cleans up after itself.

    .venv/bin/python bench/bench_api_flow_starts.py [--requests 500] [--concurrency 8]
"""

import argparse
import asyncio
import os
import secrets
import subprocess
import time
import uuid

import asyncpg
import httpx
import redis
from bench_api_contacts import ADMIN_DSN, ROOT, _admin, claimed_redis_db, free_port, seed


async def add_flow(dsn: str) -> tuple[int, str]:
    conn = await asyncpg.connect(dsn)
    try:
        flow_uuid = str(uuid.uuid4())
        org_id = await conn.fetchval("SELECT id FROM orgs WHERE name = 'Bench'")
        flow_id = await conn.fetchval(
            "INSERT INTO flows (uuid, org_id, name) VALUES ($1, $2, 'Self quarantine') RETURNING id",
            flow_uuid,
            org_id,
        )
        await conn.execute(
            "INSERT INTO flow_revisions (flow_id, revision, spec_version, definition) VALUES ($1, 1, '14.4.2', $2)",
            flow_id,
            '{"nodes": []}',
        )
        return org_id, flow_uuid
    finally:
        await conn.close()


async def post_starts(base: str, token: str, flow_uuid: str, total: int, concurrency: int) -> float:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    sent = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < total:
            n = sent
            sent += 1
            body = {"flow": flow_uuid, "urns": [f"tel:+2507881{n:05d}"], "extra": {"name": f"Patient {n}"}}
            resp = await client.post(f"{base}/api/v2/flow_starts.json", json=body, headers=headers)
            resp.raise_for_status()

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    db = f"upesi_bench_starts_{uuid.uuid4().hex[:8]}"
    dsn = ADMIN_DSN.rsplit("/", 1)[0] + "/" + db
    with claimed_redis_db() as redis_url:
        # web refuses to start without a real SECRET_KEY; a throwaway one will do for a benchmark
        env = dict(os.environ, DATABASE_URL=dsn, REDIS_URL=redis_url)
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
        asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
        web = None
        try:
            subprocess.run([str(ROOT / ".venv/bin/upesi"), "migrate", "--no-create"], check=True, env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            token = asyncio.run(seed(dsn, 0))
            org_id, flow_uuid = asyncio.run(add_flow(dsn))
            port = free_port()
            web = subprocess.Popen([str(ROOT / ".venv/bin/upesi"), "web", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            elapsed = asyncio.run(post_starts(base, token, flow_uuid, args.requests, args.concurrency))
            queued = redis.Redis.from_url(redis_url).llen(f"{{tasks:batch}}:o:{org_id}/0")
            print(f"POST flow_starts x{args.concurrency} concurrent: {args.requests} in {elapsed:.2f}s "
                  f"({args.requests / elapsed:,.1f} req/s); start_flow tasks queued: {queued}")  # fmt: skip
        finally:
            if web is not None:
                web.terminate()
                web.wait(timeout=10)
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
