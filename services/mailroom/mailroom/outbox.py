"""Handing committed outgoing messages to courier's per-channel queues. Messages are written as I
(initializing) and become Q once queued; a crash between the two leaves them I, and the requeue cron
hands them over again (courier's double-send guard makes a repeat harmless)."""

from sqlalchemy import text

from mailroom.persist import Outgoing
from upesi.db.engine import transaction
from upesi.queues.outgoing import OutgoingQueues
from upesi.queues.redis import get_redis


async def queue_outgoing(batches: list[Outgoing]) -> None:
    if not batches:
        return
    await OutgoingQueues(get_redis()).push_many(
        [(batch.channel_uuid, batch.tps, batch.msgs, batch.high_priority) for batch in batches]
    )
    uuids = [m["uuid"] for batch in batches for m in batch.msgs]
    async with transaction() as db:
        # a lost marker only means the requeue cron hands the message over again: no need to wait for fsync
        await db.execute(text("SET LOCAL synchronous_commit TO OFF"))
        await db.execute(
            text(
                "UPDATE msgs SET status = 'Q', modified_on = now() WHERE uuid = ANY(CAST(:u AS uuid[])) AND status = 'I'"
            ),
            {"u": uuids},
        )
