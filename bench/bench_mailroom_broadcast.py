"""Broadcasting to a whole group: from pushing `send_broadcast` until every contact's message (with its
name evaluated in) is written and queued for courier (status Q), with real mailroom processes.
BENCH_CONTACTS sets the group size, BENCH_PROCESSES the number of mailroom processes."""

import asyncio
import os
import time
from contextlib import ExitStack

from sqlalchemy import text
from support import ROOT, bench_environment, machine  # noqa: F401  (sets sys.path)

from tests.support import processes
from upesi.db.engine import dispose_engine, transaction
from upesi.demo import seed_demo
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import close_redis, get_redis

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
WORKERS = os.environ.get("BENCH_WORKERS", "8")
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))


async def setup() -> tuple[int, int]:
    """A group of CONTACTS contacts with tel URNs (three statements), and a broadcast to it."""
    async with transaction() as s:
        org = await seed_demo(s)
        group_id = (
            await s.execute(
                text(
                    "INSERT INTO contact_groups (uuid, org_id, name, group_type, status, is_active)"
                    " VALUES (gen_random_uuid(), :o, 'Everyone', 'M', 'R', true) RETURNING id"
                ),
                {"o": org.id},
            )
        ).scalar_one()
        await s.execute(
            text(
                """
                WITH c AS (
                    INSERT INTO contacts (uuid, org_id, name, status, fields, is_active)
                    SELECT gen_random_uuid(), :o, 'Contact ' || i, 'A', '{}', true FROM generate_series(1, :n) i
                    RETURNING id
                ), u AS (
                    INSERT INTO contact_urns (org_id, scheme, path, identity, priority, contact_id, auth_tokens)
                    SELECT :o, 'tel', '+1' || (2000000000 + id), 'tel:+1' || (2000000000 + id), 1000, id, '{}' FROM c
                )
                INSERT INTO contact_group_contacts (group_id, contact_id) SELECT :g, id FROM c
                """
            ),
            {"o": org.id, "n": CONTACTS, "g": group_id},
        )
        start_id = (
            await s.execute(
                text(
                    "INSERT INTO broadcasts (uuid, org_id, translations, base_language, status) VALUES (gen_random_uuid(),"
                    """ :o, '{"eng": {"text": "Hello @contact.name"}}', 'eng', 'P') RETURNING id"""
                ),
                {"o": org.id},
            )
        ).scalar_one()
        await s.execute(text("INSERT INTO broadcast_groups VALUES (:s, :g)"), {"s": start_id, "g": group_id})
    return org.id, start_id


async def progress(start_id: int) -> tuple[str, int, int]:
    async with transaction() as s:
        row = (
            await s.execute(
                text(
                    "SELECT status, 0 AS contacts_done, (SELECT count(*) FROM msgs WHERE status = 'Q') AS queued"
                    " FROM broadcasts WHERE id = :s"
                ),
                {"s": start_id},
            )
        ).one()
        return row.status, row.contacts_done, row.queued


async def main() -> None:
    org_id, start_id = await setup()
    with ExitStack() as stack:
        for _ in range(PROCESSES):
            stack.enter_context(
                processes.service(
                    "mailroom",
                    processes.free_port(),
                    # no courier drains the outbox here: the throttle would pause the broadcast at 10,000
                    {"MAILROOM_WORKERS": WORKERS, "MAILROOM_OUTBOX_LIMIT": str(CONTACTS * 2)},
                )
            )
        begin = time.perf_counter()
        await FairQueue(get_redis(), QUEUE_BATCH).push(org_id, "send_broadcast", {"broadcast_id": start_id})
        while True:
            status, _done, queued = await progress(start_id)
            if status == "C" and queued >= CONTACTS:
                break
            await asyncio.sleep(0.25)
        elapsed = time.perf_counter() - begin
    await dispose_engine()
    await close_redis()
    print(f"mailroom broadcast: {CONTACTS} contacts -> {queued} messages written and queued in "
          f"{elapsed:.1f}s = {CONTACTS / elapsed:.0f} contacts/s ({PROCESSES} mailroom process(es), MAILROOM_WORKERS={WORKERS}; {machine()})")  # fmt: skip


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
