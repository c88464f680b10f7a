"""Benchmark: paging through contacts with the API v2, over a real `upesi web` process.

Seeds a throwaway database with N contacts (each with a URN, two field values and a group), then
measures (1) walking every page by following `next`, as TembaClient's .all() does, and (2) first-page
requests per second with several concurrent clients. Prints its figures; cleans up after itself.

    .venv/bin/python bench/bench_api_contacts.py [--contacts 20000] [--concurrency 8] [--seconds 5]
"""

import argparse
import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@contextmanager
def claimed_redis_db() -> Iterator[str]:
    """A Redis database index no test session or other bench holds (the tests' claim keys in db 0), flushed
    after use, so throttle counters and queued tasks never leak into someone else's run."""
    claims = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0)
    for index in range(15, 0, -1):
        if claims.set(f"upesi:test-redis-db:{index}", f"bench-{os.getpid()}", nx=True, ex=3600):
            try:
                yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{index}"
            finally:
                redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=index).flushdb()
                claims.delete(f"upesi:test-redis-db:{index}")
            return
    raise RuntimeError("no free Redis database index")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def seed(dsn: str, contacts: int) -> str:
    """A workspace with `contacts` contacts; returns its API token. Set-based SQL, a few statements."""
    conn = await asyncpg.connect(dsn)
    try:
        org_id = await conn.fetchval(
            "INSERT INTO orgs (uuid, name, country, languages, config) VALUES ($1, 'Bench', 'RW', '{eng}', "
            """'{"api_rates": {"v2": "100000000/hour", "v2.contacts": "100000000/hour"}}') RETURNING id""",
            str(uuid.uuid4()),
        )
        user_id = await conn.fetchval(
            "INSERT INTO users (uuid, email, password_hash) VALUES ($1, 'bench@example.com', 'x') RETURNING id",
            str(uuid.uuid4()),
        )
        await conn.execute(
            "INSERT INTO org_memberships (org_id, user_id, role) VALUES ($1, $2, 'administrator')",
            org_id,
            user_id,
        )
        token = uuid.uuid4().hex + "00000000"
        await conn.execute(
            "INSERT INTO api_tokens (key, org_id, user_id) VALUES ($1, $2, $3)", token, org_id, user_id
        )
        field_uuids = []
        for key, name, vtype in (("age", "Age", "N"), ("district", "District", "T")):
            field_uuids.append(
                await conn.fetchval(
                    "INSERT INTO contact_fields (uuid, org_id, key, name, value_type) VALUES ($1, $2, $3, $4, $5) "
                    "RETURNING uuid",
                    str(uuid.uuid4()),
                    org_id,
                    key,
                    name,
                    vtype,
                )
            )
        age, district = field_uuids
        group_id = await conn.fetchval(
            "INSERT INTO contact_groups (uuid, org_id, name) VALUES ($1, $2, 'Everyone') RETURNING id",
            str(uuid.uuid4()),
            org_id,
        )
        await conn.execute(
            """
            INSERT INTO contacts (uuid, org_id, name, language, fields)
            SELECT gen_random_uuid(), $1, 'Contact ' || i, 'eng',
                   jsonb_build_object($3::text, jsonb_build_object('text', (i % 90)::text, 'number', i % 90),
                                      $4::text, jsonb_build_object('text', 'Gasabo'))
            FROM generate_series(1, $2) AS i
            """,
            org_id, contacts, str(age), str(district),
        )  # fmt: skip
        await conn.execute(
            """
            INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority)
            SELECT $1, id, 'tel', '+25078' || lpad(id::text, 7, '0'), 'tel:+25078' || lpad(id::text, 7, '0'), 1000
            FROM contacts WHERE org_id = $1
            """,
            org_id,
        )
        await conn.execute(
            "INSERT INTO contact_group_contacts (group_id, contact_id) SELECT $1, id FROM contacts WHERE org_id = $2",
            group_id, org_id,
        )  # fmt: skip
        await conn.execute("ANALYZE")
        return token
    finally:
        await conn.close()


async def walk_all(base: str, token: str) -> tuple[int, int, float]:
    headers = {"Authorization": f"Token {token}"}
    url: str | None = f"{base}/api/v2/contacts.json"
    pages = items = 0
    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        while url:
            resp = await client.get(url, headers=headers)
            resp.raise_for_status()
            body = resp.json()
            pages += 1
            items += len(body["results"])
            url = body["next"]
    return pages, items, time.perf_counter() - start


async def first_page_rate(
    base: str, token: str, concurrency: int, seconds: float, path: str
) -> tuple[int, float]:
    headers = {"Authorization": f"Token {token}"}
    deadline = time.perf_counter() + seconds
    count = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            resp = await client.get(f"{base}{path}", headers=headers)
            resp.raise_for_status()
            count += 1

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    db = f"upesi_bench_api_{uuid.uuid4().hex[:8]}"
    dsn = ADMIN_DSN.rsplit("/", 1)[0] + "/" + db
    with claimed_redis_db() as redis_url:
        # web refuses to start without a real SECRET_KEY; a throwaway one will do for a benchmark
        env = dict(os.environ, DATABASE_URL=dsn, REDIS_URL=redis_url)
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
        run(args, dsn, env, db)


def run(args: argparse.Namespace, dsn: str, env: dict[str, str], db: str) -> None:
    asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
    web = None
    try:
        subprocess.run([str(ROOT / ".venv/bin/upesi"), "migrate", "--no-create"], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        t0 = time.perf_counter()
        token = asyncio.run(seed(dsn, args.contacts))
        print(f"seeded {args.contacts} contacts in {time.perf_counter() - t0:.1f}s")
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
        pages, items, elapsed = asyncio.run(walk_all(base, token))
        print(f"walk all contacts: {items} contacts in {pages} pages, {elapsed:.2f}s "
              f"({items / elapsed:,.0f} contacts/s, {elapsed / pages * 1000:.0f} ms/page)")  # fmt: skip
        for path in ("/api/v2/contacts.json", "/api/v2/workspace.json"):
            count, elapsed = asyncio.run(first_page_rate(base, token, args.concurrency, args.seconds, path))
            print(f"GET {path} x{args.concurrency} concurrent: {count / elapsed:,.1f} req/s")
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
