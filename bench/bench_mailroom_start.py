"""Starting a one-message flow for a whole group: from pushing `start_flow` until every contact's message
is written and queued for courier (status Q), with one real mailroom process. BENCH_CONTACTS sets the
group size (the target in issue 6 is 100,000 contacts in under 30 s)."""

import asyncio
import os

from sqlalchemy import text
from support import ROOT, bench_environment, group_of_contacts, job_progress, machine, run_bulk_job  # noqa: F401  (sets sys.path)

from tests.mailroom.test_support_batch import hello_flow
from upesi.db.engine import dispose_engine, transaction
from upesi.db.ops.flows import save_flow
from upesi.queues.redis import close_redis
from upesi.queues.tasks import StartFlow
from upesi_cli.demo import seed_demo

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
WORKERS = os.environ.get("BENCH_WORKERS", "8")
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))


async def setup(contacts: int = CONTACTS) -> tuple[int, int]:
    """A group of `contacts` contacts with tel URNs (three statements), and a start of the Hello flow
    (also profile_start_batch.py's set-up)."""
    async with transaction() as s:
        org = await seed_demo(s)
        flow = await save_flow(s, org.id, hello_flow("Hello @contact.name"))
        group_id = await group_of_contacts(s, org.id, contacts)
        start_id = (
            await s.execute(
                text(
                    "INSERT INTO flow_starts (uuid, org_id, flow_id, start_type, status) "
                    "VALUES (gen_random_uuid(), :o, :f, 'A', 'P') RETURNING id"
                ),
                {"o": org.id, "f": flow.id},
            )
        ).scalar_one()
        await s.execute(text("INSERT INTO flow_start_groups VALUES (:s, :g)"), {"s": start_id, "g": group_id})
    return org.id, start_id


async def main() -> None:
    org_id, start_id = await setup()
    elapsed, queued = await run_bulk_job(
        org_id,
        StartFlow(start_id=start_id),
        CONTACTS,
        PROCESSES,
        WORKERS,
        lambda: job_progress("flow_starts", start_id),
    )
    await dispose_engine()
    await close_redis()
    print(f"mailroom flow start: {CONTACTS} contacts -> sessions, runs and {queued} messages queued in "
          f"{elapsed:.1f}s = {CONTACTS / elapsed:.0f} contacts/s ({PROCESSES} mailroom process(es), MAILROOM_WORKERS={WORKERS}; {machine()})")  # fmt: skip


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
