"""Issue 6's inbound target: while messages arrive at a steady rate (BENCH_RATE, default 200 a second), how
long from a message's arrival until the reply to it is queued for courier, for contacts whose session is
waiting (the demo flow asked their name; the answer goes through one switch node and one send_msg).

Arrival is done as courier does it, per message and at the moment of arrival: the message row is inserted
and the contact event queued in Redis. "Queued for courier" is the moment mailroom pushed the reply to
courier's queue: the score the push gives the item (upesi.queues.outgoing). Both clocks are this machine's."""

import asyncio
import contextlib
import json
import os
import statistics
import time

import asyncpg
from bench_mailroom_inbound import pending  # messages not yet handled, replies not yet queued
from support import ROOT, bench_environment, cpu_seconds, machine  # noqa: F401  (sets sys.path)

from tests.mailroom.support import receive_many
from tests.support import processes
from upesi.config import get_settings
from upesi.db.engine import dispose_engine, transaction
from upesi.queues.contacts import queue_contact_event
from upesi.queues.redis import close_redis, get_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo

RATE = float(os.environ.get("BENCH_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WORKERS = os.environ.get("BENCH_MAILROOM_WORKERS", "16")
# BENCH_SWEEP=200,300,400,...: one run per rate, each with contacts of its own, one after the other against
# the same mailroom; prints each rate's figures and the first rate whose p99 is over SWEEP_LIMIT_MS
SWEEP = [float(r) for r in os.environ.get("BENCH_SWEEP", "").split(",") if r.strip()] or [RATE]
SWEEP_LIMIT_MS = 100.0
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))  # mailroom processes sharing the queues
CONTACTS = int(sum(rate * SECONDS for rate in SWEEP))


async def wait_until_handled(org_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while await pending(org_id):
        if time.monotonic() > deadline:
            raise SystemExit("mailroom did not handle every message in time")
        await asyncio.sleep(0.1)


async def arrive(conn: asyncpg.Connection, org_id: int, channel_id: int, contact: asyncpg.Record) -> float:
    """One answer arriving now, stored and queued as courier does; returns the arrival (epoch seconds)."""
    arrived = time.time()
    msg = await conn.fetchrow(
        "INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)"
        " VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'I', 'P') RETURNING id, uuid::text",
        org_id, channel_id, contact["contact_id"], contact["urn_id"], f"Name {contact['contact_id']}",
    )  # fmt: skip
    await queue_contact_event(
        get_redis(), org_id, contact["contact_id"], "msg_received",
        {"channel_id": channel_id, "channel_uuid": DEMO_CHANNEL_UUID, "msg_id": msg["id"], "msg_uuid": msg["uuid"],
         "msg_external_id": None, "urn": contact["identity"], "urn_id": contact["urn_id"],
         "text": f"Name {contact['contact_id']}", "attachments": [], "new_contact": False},
    )  # fmt: skip
    return arrived


async def answer_at(
    conn: asyncpg.Connection,
    org_id: int,
    contacts: list[asyncpg.Record],
    rate: float,
    mailroom_pids: list[int],
) -> tuple[list[float], float, float, float]:
    """Answers from `contacts` arriving at `rate` a second; returns (latencies in ms, sorted; the rate
    achieved; mailroom's and Postgres's CPU milliseconds per answer)."""
    cpu_before = await cpu_seconds(mailroom_pids)
    arrivals: dict[int, float] = {}
    begin = time.perf_counter()
    for i, contact in enumerate(contacts):
        due = begin + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        arrivals[contact["contact_id"]] = await arrive(conn, org_id, contact["channel_id"], contact)
    sent_for = time.perf_counter() - begin
    await wait_until_handled(org_id, 600)
    deadline = time.monotonic() + 60
    while len(pushed := await replies_pushed(arrivals)) < len(arrivals) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)  # replies are Q once written: the push follows the commit
    cpu_after = await cpu_seconds(mailroom_pids)
    latencies = sorted(
        (pushed[contact_id] - arrived) * 1000
        for contact_id, arrived in arrivals.items()
        if contact_id in pushed
    )
    if len(latencies) < len(arrivals):
        raise SystemExit(f"only {len(latencies)} of {len(arrivals)} replies queued")
    mailroom_ms, postgres_ms = (
        (a - b) * 1000 / len(arrivals) for a, b in zip(cpu_after, cpu_before, strict=True)
    )
    return latencies, len(arrivals) / sent_for, mailroom_ms, postgres_ms


async def replies_pushed(arrivals: dict[int, float]) -> dict[int, float]:
    """contact id -> when the reply to them was pushed to courier's queue (the push's score)."""
    redis = get_redis()
    pushed: dict[int, float] = {}
    for queue in await redis.keys(f"msgs:{DEMO_CHANNEL_UUID}|*/1"):
        for item, score in await redis.zrange(queue, 0, -1, withscores=True):
            for msg in json.loads(item):
                contact_id = msg["contact"]["id"]
                if contact_id in arrivals and msg["text"].startswith("Thanks"):
                    pushed[contact_id] = min(score, pushed.get(contact_id, score))
    return pushed


def gc_pauses(port: int) -> str:
    """Mailroom's garbage collector pauses since it started, from its /metrics (upesi_gc_pause_seconds)."""
    import httpx

    totals: dict[str, list[float]] = {}
    for line in httpx.get(f"http://127.0.0.1:{port}/metrics").text.splitlines():
        for kind in ("_sum", "_count"):
            if line.startswith(f"upesi_gc_pause_seconds{kind}{{"):
                generation = line.split('generation="', 1)[1].split('"', 1)[0]
                totals.setdefault(generation, [0.0, 0.0])[kind == "_count"] = float(line.rsplit(" ", 1)[1])
    if not totals:
        return "garbage collector pauses: not measured by this mailroom"
    return "garbage collector pauses: " + ", ".join(
        f"gen{g} {int(n)} x, {total * 1000:.0f} ms in all" for g, (total, n) in sorted(totals.items())
    )


async def main() -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    await receive_many(org.id, DEMO_CHANNEL_UUID, CONTACTS, "join", first_number=1)
    dsn = get_settings().database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    crossed: float | None = None
    ports = [processes.free_port() for _ in range(PROCESSES)]
    with contextlib.ExitStack() as stack:
        mailrooms = [
            stack.enter_context(processes.service("mailroom", port, {"MAILROOM_WORKERS": WORKERS}))
            for port in ports
        ]
        await wait_until_handled(org.id, 600)  # every contact now waits for its name
        contacts = await conn.fetch(
            "SELECT u.contact_id, u.id AS urn_id, u.identity, ch.id AS channel_id FROM contact_urns u"
            " JOIN channels ch ON ch.uuid = $2 WHERE u.org_id = $1 ORDER BY u.contact_id",
            org.id, DEMO_CHANNEL_UUID,
        )  # fmt: skip
        for rate in SWEEP:
            mine, contacts = contacts[: int(rate * SECONDS)], contacts[int(rate * SECONDS) :]
            latencies, achieved, mailroom_ms, postgres_ms = await answer_at(
                conn, org.id, mine, rate, [m.pid for m in mailrooms]
            )
            p50 = statistics.median(latencies)
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            print(json.dumps({"rate_offered": rate, "rate_achieved": round(achieved, 1)}))
            print(f"mailroom inbound latency: {len(latencies)} answers to waiting sessions at {achieved:.0f}/s "
                  f"-> reply queued p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.0f} ms; CPU a reply: "
                  f"mailroom {mailroom_ms:.2f} ms, Postgres {postgres_ms:.2f} ms ({PROCESSES} process(es), {WORKERS} realtime "
                  f"workers; load {os.getloadavg()[0]:.1f}; {machine()})", flush=True)  # fmt: skip
            if crossed is None and p99 > SWEEP_LIMIT_MS:
                crossed = rate
        print("; ".join(gc_pauses(port) for port in ports))
    await conn.close()
    if len(SWEEP) > 1:
        print(f"p99 over {SWEEP_LIMIT_MS:.0f} ms first at {crossed:.0f} answers/s" if crossed
              else f"p99 stayed under {SWEEP_LIMIT_MS:.0f} ms up to {SWEEP[-1]:.0f} answers/s")  # fmt: skip
    await dispose_engine()
    await close_redis()


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
