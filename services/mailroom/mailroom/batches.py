"""Splitting a bulk job (a flow start, a broadcast) into batches that are recorded in `task_batches`.

The split is stored, so a parent task delivered twice queues the same batches again rather than a new
split, and each batch is claimed (marked done) inside the transaction that does its work: a batch task
delivered twice finds its batch done and does nothing."""

import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.queues.fair import QUEUE_REALTIME, QUEUE_THROTTLED
from upesi.queues.redis import get_redis
from upesi.queues.tasks import SendBroadcastBatch, StartFlowBatch, queue_tasks

START = "start"
BROADCAST = "broadcast"
PUSH_PIPELINE = 500  # tasks a pipeline carries, so a 1,000-batch job is two round trips


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def store(
    db: AsyncSession, kind: str, parent_id: int, contact_ids: list[int], size: int
) -> list[list[int]]:
    """Record the split of contact_ids into batches of `size` (one statement); returns the batches."""
    batches = chunks(contact_ids, size)
    if batches:
        await db.execute(
            text(
                """
                INSERT INTO task_batches (kind, parent_id, batch_index, contact_ids)
                SELECT :kind, :parent, (b.ordinality - 1)::int,
                       ARRAY(SELECT jsonb_array_elements_text(b.value)::bigint)
                FROM jsonb_array_elements(CAST(:batches AS jsonb)) WITH ORDINALITY AS b
                ON CONFLICT DO NOTHING
                """
            ),
            {"kind": kind, "parent": parent_id, "batches": json.dumps(batches)},
        )
    return batches


async def pending(db: AsyncSession, kind: str, parent_id: int) -> list[tuple[int, list[int]]] | None:
    """(index, contact ids) of the batches not yet done, or None if the job was never split."""
    rows = (
        await db.execute(
            text(
                "SELECT batch_index, contact_ids, done_on FROM task_batches WHERE kind = :k AND parent_id = :p"
                " ORDER BY batch_index"
            ),
            {"k": kind, "p": parent_id},
        )
    ).all()
    if not rows:
        return None
    return [(r.batch_index, list(r.contact_ids)) for r in rows if r.done_on is None]


async def add(db: AsyncSession, kind: str, parent_id: int, contact_ids: list[int]) -> int:
    """Append a batch to a job's split (contacts a batch could not do yet) and return its index. The caller
    holds the parent's row lock (it has updated the parent row), so concurrent appends get distinct indexes."""
    row = await db.execute(
        text(
            """
            INSERT INTO task_batches (kind, parent_id, batch_index, contact_ids)
            SELECT CAST(:k AS text), CAST(:p AS bigint), COALESCE(max(batch_index), -1) + 1, CAST(:ids AS bigint[])
            FROM task_batches WHERE kind = CAST(:k AS text) AND parent_id = CAST(:p AS bigint)
            RETURNING batch_index
            """
        ),
        {"k": kind, "p": parent_id, "ids": contact_ids},
    )
    return int(row.scalar_one())


async def claim(db: AsyncSession, kind: str, parent_id: int, index: int) -> bool:
    """Mark a batch done in the caller's transaction; False if it was already done. The row lock makes
    a concurrent duplicate wait for this transaction and then see the batch done."""
    row = await db.execute(
        text(
            """
            UPDATE task_batches SET done_on = now()
            WHERE kind = :k AND parent_id = :p AND batch_index = :i AND done_on IS NULL RETURNING 1
            """
        ),
        {"k": kind, "p": parent_id, "i": index},
    )
    return row.first() is not None


async def queue_batches(org_id: int, tasks: list[StartFlowBatch] | list[SendBroadcastBatch]) -> None:
    """One task per batch: a single contact goes on the realtime queue (someone is waiting for it), more
    on the throttled queue, which the outbox throttle can pause."""
    redis = get_redis()
    single = [t for t in tasks if len(t.contact_ids) == 1]
    if single:
        await queue_tasks(redis, org_id, single, queue=QUEUE_REALTIME)
    for start in range(0, len(tasks), PUSH_PIPELINE):
        chunk = [t for t in tasks[start : start + PUSH_PIPELINE] if len(t.contact_ids) > 1]
        if chunk:
            await queue_tasks(redis, org_id, chunk, queue=QUEUE_THROTTLED)
