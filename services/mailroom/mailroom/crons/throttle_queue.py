"""Cron `throttle_queue` (every 10 s, as the reference's): back-pressure bulk sends against how fast courier
drains them. A workspace whose outbox holds OUTBOX_LIMIT or more messages has its bulk work (the throttled
queue: start and broadcast batches, campaign fires, bulk wait timeouts) paused; once the outbox is below the
limit again, it is resumed. Its realtime work (replies to incoming messages) is never paused.

Only workspaces with work queued or paused on the throttled queue are looked at, and their outbox counts are
read in one statement, each stopping at the limit (so a large outbox costs no more than a small one).
"""

import logging
import os

from sqlalchemy import text

from upesi.db.engine import transaction
from upesi.queues.fair import QUEUE_THROTTLED, FairQueue
from upesi.queues.redis import get_redis

INTERVAL = 10.0
# MAILROOM_OUTBOX_LIMIT overrides the reference's 10,000 (the flow start benchmark, which runs no courier to
# drain the outbox, raises it to measure how fast a start is written and queued)
OUTBOX_LIMIT = int(os.environ.get("MAILROOM_OUTBOX_LIMIT", "10000"))
log = logging.getLogger(__name__)

# the outbox as the web's folder has it: outgoing messages not yet handed to the provider
_OUTBOX_COUNTS = """
SELECT o.id, (SELECT count(*) FROM (
                 SELECT 1 FROM msgs m
                 WHERE m.org_id = o.id AND m.direction = 'O' AND m.status IN ('P', 'I', 'Q', 'E')
                 LIMIT :limit) AS x) AS n
FROM unnest(CAST(:orgs AS bigint[])) AS o(id)
"""


async def outbox_counts(org_ids: list[int], limit: int = OUTBOX_LIMIT) -> dict[int, int]:
    """Each workspace's outbox size, counted up to `limit`."""
    if not org_ids:
        return {}
    async with transaction() as db:
        rows = await db.execute(text(_OUTBOX_COUNTS), {"orgs": org_ids, "limit": limit})
        return {int(r.id): int(r.n) for r in rows}


async def run(limit: int = OUTBOX_LIMIT) -> tuple[list[str], list[str]]:
    """Returns (owners paused now, owners resumed now)."""
    queue = FairQueue(get_redis(), QUEUE_THROTTLED)
    paused = await queue.paused_owners()
    owners = sorted(paused | await queue.queued_owners())
    counts = await outbox_counts([int(o) for o in owners if o.isdigit()], limit)
    full = {str(org) for org, n in counts.items() if n >= limit}
    to_pause = [o for o in owners if o in full and o not in paused]
    to_resume = [o for o in owners if o in paused and o not in full]
    for owner in to_pause:
        await queue.pause(owner)
    for owner in to_resume:
        await queue.resume(owner)
    if to_pause or to_resume:
        log.info("throttled queue", extra={"paused": to_pause, "resumed": to_resume})
    return to_pause, to_resume
