"""Starting a one-message flow for a whole group: from pushing `start_flow` until every contact's message
is written and queued for courier (status Q), with one real mailroom process. BENCH_CONTACTS sets the
group size (the target in issue 6 is 100,000 contacts in under 30 s)."""

import asyncio
import os
import time
from contextlib import ExitStack

from sqlalchemy import text
from support import ROOT, bench_environment, machine  # noqa: F401  (sets sys.path)

from tests.mailroom.test_support_batch import hello_flow
from tests.support import processes
from upesi.db.engine import dispose_engine, transaction
from upesi.db.ops.flows import save_flow
from upesi.demo import seed_demo
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import close_redis, get_redis

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
WORKERS = os.environ.get("BENCH_WORKERS", "8")
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))


async def setup() -> tuple[int, int]:
    """A group of CONTACTS contacts with tel URNs (three statements), and a start of the Hello flow."""
    async with transaction() as s:
        org = await seed_demo(s)
        flow = await save_flow(s, org.id, hello_flow("Hello @contact.name"))
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
                    "INSERT INTO flow_starts (uuid, org_id, flow_id, start_type, status) "
                    "VALUES (gen_random_uuid(), :o, :f, 'A', 'P') RETURNING id"
                ),
                {"o": org.id, "f": flow.id},
            )
        ).scalar_one()
        await s.execute(text("INSERT INTO flow_start_groups VALUES (:s, :g)"), {"s": start_id, "g": group_id})
    return org.id, start_id


async def progress(start_id: int) -> tuple[str, int, int]:
    async with transaction() as s:
        row = (
            await s.execute(
                text(
                    "SELECT status, contacts_done, (SELECT count(*) FROM msgs WHERE status = 'Q') AS queued"
                    " FROM flow_starts WHERE id = :s"
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
                    # no courier drains the outbox here: the throttle would pause the start at 10,000
                    {"MAILROOM_WORKERS": WORKERS, "MAILROOM_OUTBOX_LIMIT": str(CONTACTS * 2)},
                )
            )
        begin = time.perf_counter()
        await FairQueue(get_redis(), QUEUE_BATCH).push(org_id, "start_flow", {"start_id": start_id})
        while True:
            status, _done, queued = await progress(start_id)
            if status == "C" and queued >= CONTACTS:
                break
            await asyncio.sleep(0.25)
        elapsed = time.perf_counter() - begin
    await dispose_engine()
    await close_redis()
    print(f"mailroom flow start: {CONTACTS} contacts -> sessions, runs and {queued} messages queued in "
          f"{elapsed:.1f}s = {CONTACTS / elapsed:.0f} contacts/s ({PROCESSES} mailroom process(es), MAILROOM_WORKERS={WORKERS}; {machine()})")  # fmt: skip


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
