"""Broadcasting to a whole group: from pushing `send_broadcast` until every contact's message (with its
name evaluated in) is written and queued for courier (status Q), with real mailroom processes.
BENCH_CONTACTS sets the group size, BENCH_PROCESSES the number of mailroom processes."""

import asyncio
import os

from sqlalchemy import text
from support import ROOT, bench_environment, group_of_contacts, job_progress, machine, run_bulk_job  # noqa: F401  (sets sys.path)

from upesi.db.engine import dispose_engine, transaction
from upesi.queues.redis import close_redis
from upesi.queues.tasks import SendBroadcast
from upesi_cli.demo import seed_demo

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
WORKERS = os.environ.get("BENCH_WORKERS", "8")
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))


async def setup() -> tuple[int, int]:
    """A group of CONTACTS contacts with tel URNs (three statements), and a broadcast to it."""
    async with transaction() as s:
        org = await seed_demo(s)
        group_id = await group_of_contacts(s, org.id, CONTACTS)
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


async def main() -> None:
    org_id, start_id = await setup()
    elapsed, queued = await run_bulk_job(
        org_id,
        SendBroadcast(broadcast_id=start_id),
        CONTACTS,
        PROCESSES,
        WORKERS,
        lambda: job_progress("broadcasts", start_id),
    )
    await dispose_engine()
    await close_redis()
    print(f"mailroom broadcast: {CONTACTS} contacts -> {queued} messages written and queued in "
          f"{elapsed:.1f}s = {CONTACTS / elapsed:.0f} contacts/s ({PROCESSES} mailroom process(es), MAILROOM_WORKERS={WORKERS}; {machine()})")  # fmt: skip


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
