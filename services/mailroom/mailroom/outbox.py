"""Handing committed outgoing messages to courier's per-channel queues.

Messages are written as Q (queued) when they are created, as RapidPro's mailroom does ("they are queued(Q)
at creation to save an update in the common case", core/msgio/send.go): a second write of every message
would touch all of its indexes again (status is in partial indexes' predicates, so it is never a HOT
update). When the push to courier fails they are marked I (initializing), and the requeue cron
(crons.retry_msgs.requeue_stuck) hands them over a minute later. A crash between the commit and the push
leaves them Q without being in courier's queue: sweep_queued finds Q messages untouched for
QUEUED_MSG_SECONDS and queues them again (courier's double-send guard makes a repeat harmless)."""

import logging

from mailroom.persist import Outgoing
from upesi.db.engine import transaction
from upesi.db.raw import asyncpg_of
from upesi.queues.outgoing import OutgoingQueues
from upesi.queues.redis import get_redis

log = logging.getLogger(__name__)


async def queue_outgoing(batches: list[Outgoing]) -> None:
    """Push messages already stored as Q. If the push fails they become I for the requeue cron, and the
    error is raised: the caller's task fails visibly (what it wrote is committed and is not lost)."""
    if not batches:
        return
    try:
        await OutgoingQueues(get_redis()).push_many(
            [(batch.channel_uuid, batch.tps, batch.msgs, batch.high_priority) for batch in batches]
        )
    except Exception:
        uuids = [m["uuid"] for batch in batches for m in batch.msgs]
        log.exception(
            "queueing to courier failed: messages left for the requeue cron", extra={"count": len(uuids)}
        )
        await mark_initializing(uuids)
        raise


async def mark_initializing(uuids: list[str]) -> None:
    """Q back to I, so requeue_stuck hands them over again. If this fails too (Postgres is down as well)
    they stay Q, and sweep_queued queues them again after QUEUED_MSG_SECONDS."""
    try:
        async with transaction() as db:
            pg = await asyncpg_of(db)
            await pg.execute(
                "UPDATE msgs SET status = 'I', modified_on = now() WHERE uuid = ANY($1::uuid[]) AND status = 'Q'",
                uuids,
            )
    except Exception:
        log.exception(
            "messages not marked for the requeue cron: sweep_queued will find them",
            extra={"count": len(uuids)},
        )
