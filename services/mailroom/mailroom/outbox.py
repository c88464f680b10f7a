"""Handing committed outgoing messages to courier's per-channel queues."""

from upesi.queues.outgoing import OutgoingQueues
from upesi.queues.redis import get_redis

from mailroom.persist import Outgoing


async def queue_outgoing(batches: list[Outgoing]) -> None:
    if not batches:
        return
    queues = OutgoingQueues(get_redis())
    for batch in batches:
        await queues.push(batch.channel_uuid, batch.tps, batch.msgs, batch.high_priority)
