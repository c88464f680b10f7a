"""Handing committed outgoing messages to courier's per-channel queues. Messages are written as I
(initializing) and become Q once queued; a crash between the two leaves them I, and the requeue cron
hands them over again (courier's double-send guard makes a repeat harmless)."""

import asyncio
import weakref

from mailroom.persist import Outgoing
from upesi.db.engine import transaction
from upesi.db.raw import asyncpg_of
from upesi.queues.outgoing import OutgoingQueues
from upesi.queues.redis import get_redis


async def queue_outgoing(batches: list[Outgoing]) -> None:
    if not batches:
        return
    await OutgoingQueues(get_redis()).push_many(
        [(batch.channel_uuid, batch.tps, batch.msgs, batch.high_priority) for batch in batches]
    )
    await _marker().mark([m["uuid"] for batch in batches for m in batch.msgs])


class _QueuedMarker:
    """Marks messages Q in group commits: every caller waits for the statement that covers its messages,
    and all callers that arrive while one statement runs share the next, so at a few hundred replies a
    second this is a handful of statements, not one transaction per reply."""

    def __init__(self) -> None:
        self._waiting: list[tuple[list[str], asyncio.Future[None]]] = []
        self._flushing = False
        self._task: asyncio.Task[None] | None = None  # held, or the loop could collect it mid-flush

    async def mark(self, uuids: list[str]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((uuids, done))
        if not self._flushing:
            self._flushing = True
            self._task = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    await _mark_queued([u for uuids, _ in group for u in uuids])
                except Exception as e:
                    for _, done in group:
                        done.set_exception(e)
                else:
                    for _, done in group:
                        done.set_result(None)
        finally:
            self._flushing = False


async def _mark_queued(uuids: list[str]) -> None:
    async with transaction() as db:
        pg = await asyncpg_of(db)
        # a lost marker only means the requeue cron hands the message over again, so this commit need
        # not wait for fsync (set_config in the statement itself saves the round trip of a SET LOCAL)
        await pg.execute(
            "UPDATE msgs SET status = 'Q', modified_on = now() WHERE uuid = ANY($1::uuid[]) AND status = 'I'"
            " AND set_config('synchronous_commit', 'off', true) = 'off'",
            uuids,
        )


_markers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _QueuedMarker]" = weakref.WeakKeyDictionary()


def _marker() -> _QueuedMarker:
    loop = asyncio.get_running_loop()
    marker = _markers.get(loop)
    if marker is None:
        marker = _markers[loop] = _QueuedMarker()
    return marker
