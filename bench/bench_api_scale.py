"""The API at scale (issue #21 item 5): with 1,000,000 contacts, 5,000,000 messages and 1,000,000 runs in one
workspace, the median time of a page of contacts, a contact search by field and by name, a page of runs and a
page of messages; and an export of every contact, with this process's resident memory sampled as it streams.

The data is loaded once into a kept database, upesi_bench_scale (contacts with COPY; URNs, group, messages and
runs with set-based INSERT ... SELECT, which generate rows in the server and are faster than any client-side
COPY of them), and reused by later runs while its sizes match. BENCH_SCALE_CONTACTS and BENCH_SCALE_MSGS
shorten it (a different size reloads); BENCH_SCALE_DROP=1 drops it at the end; BENCH_SCALE_EXPORT=0 skips the
export, BENCH_SCALE_SEARCH=0 the searches. Another version's web code is measured by putting its package first
on PYTHONPATH (web is started with this process's environment).

Targets: each median < 50 ms; the export's memory flat (its peak no more than a few tens of MB over its start).

Web needs a Redis: BENCH_SCALE_REDIS, else an index of the shared Redis claimed as the tests claim theirs.
Migrations are applied to a reused database too (new indexes land on the kept data).

Run: .venv/bin/python bench/bench_api_scale.py
"""

import asyncio
import io
import os
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from support import ROOT, machine

from tests.support import services

DB = "upesi_bench_scale"
CONTACTS = int(os.environ.get("BENCH_SCALE_CONTACTS", "1000000"))
MSGS = int(os.environ.get("BENCH_SCALE_MSGS", "5000000"))
REPEAT = int(os.environ.get("BENCH_SCALE_REPEAT", "15"))
COPY_CHUNK = 100_000


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


async def loaded(dsn: str) -> dict | None:
    """The workspace's token and ids if the kept database holds this size, else None."""
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await conn.fetchrow(
            "SELECT o.id, o.config->'bench_scale' AS size, t.key FROM orgs o JOIN api_tokens t ON t.org_id = o.id"
            " WHERE o.name = 'Scale'"
        )
        if row is None or row["size"] != f'{{"msgs": {MSGS}, "contacts": {CONTACTS}}}':
            return None
        return {"org_id": row["id"], "token": row["key"]}
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await conn.close()


def _contact_rows(org_id: int, age: str, district: str, first: int, count: int) -> bytes:
    out = io.StringIO()
    districts = ("Gasabo", "Kicukiro", "Nyarugenge", "Musanze", "Huye")
    for i in range(first, first + count):
        fields = (
            f'{{""{age}"": {{""text"": ""{i % 90}"", ""number"": {i % 90}}}, '
            f'""{district}"": {{""text"": ""{districts[i % 5]}""}}}}'
        )
        out.write(f'{uuid.uuid4()},{org_id},Contact {i},eng,A,"{fields}"\n')
    return out.getvalue().encode()


async def seed(dsn: str) -> dict:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM orgs WHERE name = 'Scale'")
        org_id = await conn.fetchval(
            "INSERT INTO orgs (uuid, name, country, languages, config) VALUES ($1, 'Scale', 'RW', '{eng}', $2) "
            "RETURNING id",
            str(uuid.uuid4()),
            '{"api_rates": {"v2": "100000000/hour", "v2.contacts": "100000000/hour", "v2.runs": "100000000/hour", '
            '"v2.messages": "100000000/hour"}}',
        )
        user_id = await conn.fetchval(
            "INSERT INTO users (uuid, email, password_hash) VALUES ($1, 'scale@example.com', 'x') "
            "ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
            str(uuid.uuid4()),
        )
        await conn.execute(
            "INSERT INTO org_memberships (org_id, user_id, role) VALUES ($1, $2, 'administrator')",
            org_id,
            user_id,
        )
        token = secrets.token_hex(20)
        await conn.execute(
            "INSERT INTO api_tokens (key, org_id, user_id) VALUES ($1, $2, $3)", token, org_id, user_id
        )
        age, district = [
            await conn.fetchval(
                "INSERT INTO contact_fields (uuid, org_id, key, name, value_type) VALUES ($1, $2, $3, $4, $5) "
                "RETURNING uuid",
                str(uuid.uuid4()),
                org_id,
                key,
                name,
                vtype,
            )
            for key, name, vtype in (("age", "Age", "N"), ("district", "District", "T"))
        ]
        t0 = time.perf_counter()
        for first in range(0, CONTACTS, COPY_CHUNK):
            data = _contact_rows(org_id, str(age), str(district), first, min(COPY_CHUNK, CONTACTS - first))
            await conn.copy_to_table(
                "contacts", source=io.BytesIO(data), format="csv",
                columns=["uuid", "org_id", "name", "language", "status", "fields"],
            )  # fmt: skip
        print(f"  contacts copied in {time.perf_counter() - t0:.0f}s ({load()})", flush=True)
        # created and modified over the last months, one contact every few seconds, as real ones are (a COPY
        # chunk would otherwise share one timestamp, the worst case for paging by modified_on)
        await conn.execute(
            "UPDATE contacts SET created_on = now() - make_interval(secs => ($2 - (id - m.first)) * 3.0),"
            " modified_on = now() - make_interval(secs => ($2 - (id - m.first)) * 3.0)"
            " FROM (SELECT min(id) AS first FROM contacts WHERE org_id = $1) AS m WHERE org_id = $1",
            *(org_id, CONTACTS),
        )
        t0 = time.perf_counter()
        await conn.execute(
            "INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority)"
            " SELECT $1, id, 'tel', '+25078' || lpad(id::text, 7, '0'), 'tel:+25078' || lpad(id::text, 7, '0'), 1000"
            " FROM contacts WHERE org_id = $1",
            org_id,
        )
        group_id = await conn.fetchval(
            "INSERT INTO contact_groups (uuid, org_id, name) VALUES ($1, $2, 'Everyone') RETURNING id",
            str(uuid.uuid4()), org_id,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO contact_group_contacts (group_id, contact_id) SELECT $1, id FROM contacts WHERE org_id = $2",
            group_id, org_id,
        )  # fmt: skip
        channel_id = await conn.fetchval(
            "INSERT INTO channels (uuid, org_id, channel_type, name, address, config) "
            "VALUES ($1, $2, 'EX', 'Scale', '+250788000000', '{}') RETURNING id",
            str(uuid.uuid4()), org_id,
        )  # fmt: skip
        flow_id = await conn.fetchval(
            "INSERT INTO flows (uuid, org_id, name, flow_type) VALUES ($1, $2, 'Scale', 'M') RETURNING id",
            str(uuid.uuid4()), org_id,
        )  # fmt: skip
        print(f"  urns and group in {time.perf_counter() - t0:.0f}s ({load()})", flush=True)
        t0 = time.perf_counter()
        first_contact = await conn.fetchval("SELECT min(id) FROM contacts WHERE org_id = $1", org_id)
        # messages in and out, spread over the contacts and over the last 100 days
        await conn.execute(
            """
            INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status,
                              visibility, msg_type, created_on, modified_on)
            SELECT gen_random_uuid(), $1, $2, $3 + (i % $5), NULL, 'Message ' || i,
                   CASE WHEN i % 2 = 0 THEN 'I' ELSE 'O' END, CASE WHEN i % 2 = 0 THEN 'H' ELSE 'W' END, 'V', 'T',
                   now() - make_interval(secs => ($4 - i) * (8640000.0 / $4)),
                   now() - make_interval(secs => ($4 - i) * (8640000.0 / $4))
            FROM generate_series(1, $4) AS i
            """,
            org_id, channel_id, first_contact, MSGS, CONTACTS,
        )  # fmt: skip
        print(f"  {MSGS} messages in {time.perf_counter() - t0:.0f}s ({load()})", flush=True)
        t0 = time.perf_counter()
        await conn.execute(
            """
            INSERT INTO flow_runs (uuid, org_id, flow_id, contact_id, session_uuid, status, responded, created_on,
                                   modified_on, exited_on)
            SELECT gen_random_uuid(), $1, $2, id, gen_random_uuid(), 'C', true, t, t, t
            FROM (SELECT id, now() - make_interval(secs => row_number() OVER (ORDER BY id DESC) * 3.0) AS t
                  FROM contacts WHERE org_id = $1) AS c
            """,
            org_id, flow_id,
        )  # fmt: skip
        print(f"  runs in {time.perf_counter() - t0:.0f}s ({load()})", flush=True)
        await conn.execute("VACUUM ANALYZE")
        # the mark that the load finished, which a later run looks for before it reuses the database
        await conn.execute(
            "UPDATE orgs SET config = config || jsonb_build_object('bench_scale', "
            "jsonb_build_object('msgs', $2::int, 'contacts', $3::int)) WHERE id = $1",
            *(org_id, MSGS, CONTACTS),
        )
        return {"org_id": org_id, "token": token}
    finally:
        await conn.close()


def median_ms(call, repeat: int = REPEAT) -> float:  # type: ignore[no-untyped-def]
    call()  # warm: connection pools, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _process_cpu(pid: int) -> float:
    """CPU seconds of every thread of a local process (nanoseconds from the scheduler)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def _postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL backends connected to the benchmark's database (the server is local)."""

    async def backends() -> list[int]:
        conn = await asyncpg.connect(services.pg_dsn("postgres"))
        try:
            return [
                r["pid"] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", DB)
            ]
        finally:
            await conn.close()

    total = 0.0
    for pid in asyncio.run(backends()):
        try:
            total += _process_cpu(pid)
        except FileNotFoundError:
            pass
    return total


def api_figures(base: str, token: str, web_pid: int) -> None:
    """Median wall time per request, and the CPU each request took in web and in PostgreSQL (averaged over
    the repeats; the machine's load does not inflate it)."""
    headers = {"Authorization": f"Token {token}"}
    client = httpx.Client(base_url=base, headers=headers, timeout=120)

    def page(path: str, **params: str):  # type: ignore[no-untyped-def]
        def call() -> None:
            r = client.get(path, params=params)
            r.raise_for_status()

        return call

    baseline = 0.0
    for label, call in (
        ("baseline: API workspace (one row)", page("/api/v2/workspace.json")),
        ("API contacts page (250)", page("/api/v2/contacts.json")),
        ("API contacts, 2nd page by cursor", _second_page(client, "/api/v2/contacts.json")),
        ("API contacts, each time the next page", _walk(client, "/api/v2/contacts.json")),
        ("API runs page", page("/api/v2/runs.json")),
        ("API runs, each time the next page", _walk(client, "/api/v2/runs.json")),
        ("API messages page (inbox)", page("/api/v2/messages.json", folder="inbox")),
        ("API messages, each time the next page", _walk(client, "/api/v2/messages.json")),
    ):
        call()  # warm, and the pool's connections exist before the CPU is read
        web0, pg0 = _process_cpu(web_pid), _postgres_cpu()
        ms = median_ms(call)
        web_cpu = (_process_cpu(web_pid) - web0) * 1000 / (REPEAT + 1)
        pg_cpu = (_postgres_cpu() - pg0) * 1000 / (REPEAT + 1)
        baseline = baseline or ms
        print(
            f"{label:40} median {ms:7.1f} ms  {'ok' if ms < 50 else 'MISSES 50 ms'}  x{ms / baseline:.1f} of the "
            f"baseline  CPU: web {web_cpu:.1f} ms, postgres {pg_cpu:.1f} ms  ({load()})",
            flush=True,
        )


def _second_page(client: httpx.Client, path: str):  # type: ignore[no-untyped-def]
    first = client.get(path)
    first.raise_for_status()
    nxt = first.json()["next"]
    assert nxt, f"{path} has no second page: {first.text[:300]}"

    def call() -> None:
        client.get(nxt).raise_for_status()

    return call


def _walk(client: httpx.Client, path: str):  # type: ignore[no-untyped-def]
    """Each call fetches the page after the previous call's (new rows every time, as a client syncing them
    sees them; nothing a page computed is reused by the next)."""
    state = {"url": path}

    def call() -> None:
        r = client.get(state["url"])
        r.raise_for_status()
        state["url"] = r.json()["next"]

    return call


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process on this machine (the PostgreSQL backend serving a search), from the scheduler's
    nanosecond count (/proc/PID/stat counts in 10 ms ticks)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


async def search_figures(org_id: int) -> None:
    """Wall time of search_contacts (page of 50 and total), with the CPU it took in this process and in the
    PostgreSQL backend (read from /proc: the server is local), which the machine's load does not inflate."""
    from sqlalchemy import text

    from upesi.contactql.search import search_contacts
    from upesi.db.engine import dispose_engine, sessionmaker

    for label, query in (
        ("search by field: age = 42", "age = 42"),
        ("search by field: district = Musanze", 'district = "Musanze"'),
        ("search by name: name ~ 4242", 'name ~ "4242"'),
        ("search by name: name = Contact 777777", 'name = "Contact 777777"'),
    ):
        times, client_cpu, server_cpu = [], [], []
        for _ in range(REPEAT + 1):
            async with sessionmaker()() as s:
                backend = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                server0, client0 = _cpu_seconds(backend), time.process_time()
                t0 = time.perf_counter()
                result = await search_contacts(s, org_id, query, limit=50)
                times.append((time.perf_counter() - t0) * 1000)
                client_cpu.append((time.process_time() - client0) * 1000)
                server_cpu.append((_cpu_seconds(backend) - server0) * 1000)
        ms = statistics.median(times[1:])
        print(
            f"{label:40} median {ms:7.1f} ms  {'ok' if ms < 50 else 'MISSES 50 ms'}  CPU: client "
            f"{statistics.median(client_cpu[1:]):.1f} ms, postgres {statistics.median(server_cpu[1:]):.1f} ms  "
            f"({'~' if result.total_estimated else ''}{result.total} matches; {load()})",
            flush=True,
        )
    await dispose_engine()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def export_figure(org_id: int) -> None:
    from sqlalchemy import select

    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.models import Export
    from web.ui.export_worker import build

    async with transaction() as s:
        export = Export(
            uuid=str(uuid.uuid4()), org_id=org_id, export_type="contacts", file_format="csv",
            params={"title": "All contacts"}, status="P", path=f"scale-{uuid.uuid4().hex}.csv",
        )  # fmt: skip
        s.add(export)
        await s.flush()
        await s.refresh(export)
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_mb())
            time.sleep(0.2)

    before = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    await build(export)
    elapsed = time.perf_counter() - t0
    stop.set()
    sampler.join()
    async with transaction() as s:
        done, status = (
            await s.execute(select(Export.num_records, Export.status).where(Export.id == export.id))
        ).one()
    quarter = len(samples) // 4 or 1
    print(
        f"export of contacts (csv): {done} rows, status {status}, {elapsed:.0f}s; RSS before {before:.0f} MB, "
        f"after the first quarter {max(samples[:quarter]):.0f} MB, peak {max(samples):.0f} MB "
        f"(flat if the peak is near the first quarter's; {load()})",
        flush=True,
    )
    await dispose_engine()


def main() -> None:
    dsn = services.pg_dsn(DB)
    print(f"{machine()}; {load()}")
    ws = asyncio.run(loaded(dsn))
    if ws is None:
        services.drop_database(DB)
        services.admin(f'CREATE DATABASE "{DB}"')
    t0 = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/upesi"), "migrate", "--no-create"], check=True, cwd=ROOT,
                   env=dict(os.environ, DATABASE_URL=dsn), stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"migrated in {time.perf_counter() - t0:.0f}s ({load()})", flush=True)
    if ws is None:
        t0 = time.perf_counter()
        print(
            f"loading {CONTACTS} contacts and {MSGS} messages into {DB} (kept for the next run)", flush=True
        )
        ws = asyncio.run(seed(dsn))
        print(f"loaded in {time.perf_counter() - t0:.0f}s", flush=True)
    else:
        print(f"reusing {DB}: {CONTACTS} contacts, {MSGS} messages")
    exports = tempfile.mkdtemp(prefix="upesi-scale-exports-")
    redis_index = None if os.environ.get("BENCH_SCALE_REDIS") else services.claim_redis_db()
    redis_url = os.environ.get("BENCH_SCALE_REDIS") or services.redis_url(redis_index or 0)
    os.environ.update(DATABASE_URL=dsn, EXPORTS_DIR=exports, REDIS_URL=redis_url)
    env = dict(os.environ, SECRET_KEY=secrets.token_urlsafe(32))
    port = services_port()
    web = subprocess.Popen([str(ROOT / ".venv/bin/upesi"), "web", "--host", "127.0.0.1", "--port", str(port)],
                           env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        from tests.support.processes import wait_for_http

        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=180, proc=web)
        api_figures(f"http://127.0.0.1:{port}", ws["token"], web.pid)
    finally:
        web.terminate()
        web.wait()
    if os.environ.get("BENCH_SCALE_SEARCH", "1") == "1":  # 0 measures the API pages only
        asyncio.run(search_figures(ws["org_id"]))
    if os.environ.get("BENCH_SCALE_EXPORT", "1") == "1":  # 0 skips the minute-long export
        asyncio.run(export_figure(ws["org_id"]))
    subprocess.run(["rm", "-rf", exports], check=False)
    if redis_index is not None:
        services.release_redis_db(redis_index)
    if os.environ.get("BENCH_SCALE_DROP") == "1":
        services.drop_database(DB)


def services_port() -> int:
    from tests.support.processes import free_port

    return free_port()


if __name__ == "__main__":
    main()
