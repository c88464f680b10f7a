"""Inbound messages handled per second by one mailroom process: N new contacts each send the keyword
"join", which starts the demo flow (a question, then a wait). Measures from mailroom start until every
message is handled and every reply is queued for courier."""

import asyncio
import os
import time

from sqlalchemy import text
from support import ROOT, bench_environment, machine  # noqa: F401  (sets sys.path)

from tests.mailroom.support import receive_many
from tests.support import processes
from upesi.db.engine import dispose_engine, transaction
from upesi.queues.redis import close_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo

CONTACTS = 2000
WORKERS = os.environ.get("BENCH_MAILROOM_WORKERS", "32")


async def pending(org_id: int) -> int:
    async with transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT count(*) FROM msgs WHERE org_id = :o AND ((direction = 'I' AND status <> 'H') OR status = 'I')"
                ),
                {"o": org_id},
            )
        ).scalar_one()


async def main() -> None:
    async with transaction() as s:
        org = await seed_demo(s)
    await receive_many(org.id, DEMO_CHANNEL_UUID, CONTACTS, "join", first_number=1)
    port = processes.free_port()
    with processes.service("mailroom", port, {"MAILROOM_WORKERS": WORKERS}):
        start = time.perf_counter()
        while await pending(org.id):
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - start
    await dispose_engine()
    await close_redis()
    print(f"mailroom inbound: {CONTACTS} keyword messages -> flow start + reply queued in {elapsed:.1f}s = "
          f"{CONTACTS / elapsed:.0f} msgs/s (1 process, {WORKERS} realtime workers; {machine()})")  # fmt: skip


if __name__ == "__main__":
    with bench_environment():
        asyncio.run(main())
