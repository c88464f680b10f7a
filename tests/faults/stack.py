"""The whole stack as real processes against a PostgreSQL cluster and a Redis of its own, for fault injection:
web, mailroom, courier and a fake provider, each started, SIGKILLed and started again by the test, and the
servers stopped and started under them. Counting happens at the fake provider and in the database."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support.own_servers import OwnPostgres, OwnRedis
from tests.support.processes import ROOT, UPESI, free_port, wait_for_http

# the count of contacts a start or broadcast goes to: small in the suite, FAULT_CONTACTS=20000 by hand
CONTACTS = int(os.environ.get("FAULT_CONTACTS", "1500"))
TEMPLATE = "upesi_faults_tpl"
SERVICES = ("web", "mailroom", "courier")

# the recovery waits shortened so that what a dead process left behind is redone within seconds, not minutes
FAST_RECOVERY = {
    "MAILROOM_TASK_LEASE_SECONDS": "2",
    "CONTACT_LOCK_SECONDS": "3",
    "RECOVERY_CRON_SECONDS": "2",
    "STUCK_MSG_SECONDS": "5",
    "QUEUED_MSG_SECONDS": "10",
    "STALLED_JOB_SECONDS": "5",
    "PENDING_INCOMING_SECONDS": "5",
}


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def seed_template(pg: OwnPostgres, contacts: int) -> None:
    """A migrated database with the demo workspace (its EX channel sends to the fake provider, unthrottled) and
    `contacts` contacts in a group named Faults, cloned by each test."""
    env = dict(os.environ, DATABASE_URL=pg.dsn(TEMPLATE), FAKE_PROVIDER_URL="http://127.0.0.1:1")
    for command in (["migrate"], ["demo", "seed"]):
        done = subprocess.run([UPESI, *command], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"upesi {' '.join(command)} failed: {done.stderr[-2000:]}"
    asyncio.run(
        _fetch(
            pg.dsn(TEMPLATE),
            """
            WITH org AS (SELECT id FROM orgs WHERE name = 'Upesi Demo'),
            chan AS (UPDATE channels SET tps = 0 RETURNING id),
            grp AS (
                INSERT INTO contact_groups (uuid, org_id, name) SELECT gen_random_uuid(), org.id, 'Faults' FROM org
                RETURNING id, org_id
            ), people AS (
                INSERT INTO contacts (uuid, org_id, status, fields)
                SELECT gen_random_uuid(), org.id, 'A', '{}'::jsonb FROM org, generate_series(1, $1) RETURNING id, org_id
            ), urns AS (
                INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, auth_tokens)
                SELECT org_id, id, 'tel', '+1777' || lpad(id::text, 7, '0'), 'tel:+1777' || lpad(id::text, 7, '0'), 1000, '{}'::jsonb
                FROM people RETURNING contact_id
            )
            INSERT INTO contact_group_contacts (group_id, contact_id) SELECT grp.id, urns.contact_id FROM grp, urns
            """,
            contacts,
        )
    )


@dataclass
class Stack:
    pg: OwnPostgres
    redis: OwnRedis
    database: str
    logs: Path
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name in (*SERVICES, "fake")}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def dsn(self) -> str:
        return self.pg.dsn(self.database)

    @property
    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.dsn, "REDIS_URL": self.redis.url, "SPOOL_DIR": str(self.logs / "spool"),
            "ALLOW_PRIVATE_NETWORKS": "true", "MAILROOM_AUTH_TOKEN": "faults-mailroom-token",
            "SECRET_KEY": "faults-" + "x7Kq9zP2mW4vB8nR5tY1uE3oI6aS0dF" * 2,
            "COURIER_URL": self.url("courier"), "MAILROOM_URL": self.url("mailroom"), "WEB_URL": self.url("web"),
            "FAKE_PROVIDER_URL": self.url("fake"), "LOG_LEVEL": "WARNING", **FAST_RECOVERY,
        }  # fmt: skip

    def _args(self, name: str) -> list[str]:
        if name == "fake":
            return [sys.executable, "-m", "upesi.devtools.fake_provider", "--port", str(self.ports[name])]
        return [UPESI, name, "--host", "127.0.0.1", "--port", str(self.ports[name])]

    def start(self, *names: str) -> None:
        """Start the services named (all at once) and wait until each answers."""
        for name in names:
            with open(self.logs / f"{name}.log", "ab") as out:
                self.procs[name] = subprocess.Popen(
                    self._args(name),
                    env=dict(os.environ, **self.env),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                )
        for name in names:
            path = "/sent" if name == "fake" else "/health"
            wait_for_http(self.url(name) + path, timeout=120, proc=self.procs[name])

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to finish, release or flush anything."""
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            del self.procs[name]

    def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return asyncio.run(_fetch(self.dsn, sql, *args))

    def value(self, sql: str, *args: Any) -> Any:
        return self.query(sql, *args)[0][0]

    def token(self) -> str:
        return self.value("SELECT key FROM api_tokens WHERE is_active ORDER BY id LIMIT 1")

    def api_post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.url('web')}/api/v2/{path}", json=body, headers={"Authorization": f"Token {self.token()}"},
            timeout=30,
        )  # fmt: skip

    def sends(self) -> list[dict[str, Any]]:
        """What the fake provider received on /send, each as the form courier posted."""
        entries = httpx.get(self.url("fake") + "/sent", timeout=60).json()
        return [e["form"] for e in entries if e["path"] == "/send" and "form" in e]


def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what} {check!r}")
        time.sleep(interval)


@dataclass
class Outcome:
    """A job's messages counted: what the provider got and what the database says of each."""

    contacts: int
    messages: int
    sent_once: int
    sent_twice: list[str]  # message ids the provider got more than once
    lost: list[int]  # contacts with no message at the provider and none failed visibly
    stuck: dict[str, int]  # messages left in a status that nothing moves on from (I, Q, P, E) by status
    failed: int  # failed visibly (F): a courier died sending them, the provider may or may not have them

    def summary(self) -> str:
        return (
            f"{self.contacts} contacts, {self.messages} messages: {self.sent_once} sent once, "
            f"{len(self.sent_twice)} sent twice, {len(self.lost)} lost, {sum(self.stuck.values())} stuck, "
            f"{self.failed} failed visibly"
        )


def count_outcome(stack: Stack, job_sql: str, job_id: int, contacts: int) -> Outcome:
    """`job_sql` selects the job's outgoing messages (id, contact_id, status) given $1 = job id."""
    rows = stack.query(job_sql, job_id)
    at_provider = Counter(form["id"] for form in stack.sends())
    by_contact: dict[int, list[asyncpg.Record]] = {}
    for r in rows:
        by_contact.setdefault(r["contact_id"], []).append(r)
    lost = [
        contact_id
        for contact_id, msgs in by_contact.items()
        if not any(at_provider[str(m["id"])] >= 1 or m["status"] == "F" for m in msgs)
    ]
    lost += [-1] * (contacts - len(by_contact))  # contacts without any message at all
    return Outcome(
        contacts=contacts,
        messages=len(rows),
        sent_once=sum(1 for r in rows if at_provider[str(r["id"])] == 1),
        sent_twice=[str(r["id"]) for r in rows if at_provider[str(r["id"])] > 1],
        lost=lost,
        stuck=dict(Counter(r["status"] for r in rows if r["status"] in ("I", "Q", "P", "E"))),
        failed=sum(1 for r in rows if r["status"] == "F"),
    )


class Settled:
    """A check: every contact has its message and none is waiting on anything; says how far it got."""

    def __init__(self, stack: Stack, job_sql: str, job_id: int, contacts: int) -> None:
        self.stack, self.job_sql, self.job_id, self.contacts = stack, job_sql, job_id, contacts
        self.progress: dict[str, Any] = {}

    def __call__(self) -> bool:
        rows = self.stack.query(self.job_sql, self.job_id)
        waiting = Counter(r["status"] for r in rows if r["status"] in ("I", "Q", "P", "E"))
        self.progress = {
            "contacts with a message": len({r["contact_id"] for r in rows}),
            "waiting": dict(waiting),
        }
        return self.progress["contacts with a message"] >= self.contacts and not waiting

    def __repr__(self) -> str:
        return f"settled {self.progress}"


def sends_count(stack: Stack) -> int:
    return int(httpx.get(stack.url("fake") + "/sent/count", timeout=30).json()["count"])
