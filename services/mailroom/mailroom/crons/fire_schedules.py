"""Cron fire_schedules: sends due scheduled broadcasts. Each fire sends a copy of the scheduled broadcast
(schedule-less, pending) through send_broadcast, and moves the schedule's next_fire on (null for a
one-off). A copy whose task push was lost is pushed again by the queue_pending cron."""

import json
import logging
from datetime import UTC, datetime

from sqlalchemy import text

from mailroom.schedules import next_fire
from upesi.db.engine import transaction
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis

INTERVAL = 60.0
log = logging.getLogger(__name__)


async def run(now: datetime | None = None) -> int:
    """Returns how many broadcasts were fired."""
    now = now or datetime.now(UTC)
    fired: list[tuple[int, int]] = []
    async with transaction() as db:
        due = (
            await db.execute(
                text(
                    """
                    SELECT b.id, b.org_id, b.schedule, o.timezone FROM broadcasts b JOIN orgs o ON o.id = b.org_id
                    WHERE b.schedule IS NOT NULL AND b.is_active
                      AND (CASE WHEN b.schedule ? 'next_fire' THEN (b.schedule->>'next_fire')::timestamptz
                                ELSE (b.schedule->>'start')::timestamptz END) <= :now
                    ORDER BY b.id LIMIT 1000
                    FOR UPDATE OF b SKIP LOCKED
                    """
                ),
                {"now": now},
            )
        ).all()
        for b in due:
            nxt = next_fire(b.schedule, b.timezone, now)
            await db.execute(
                text(
                    "UPDATE broadcasts SET schedule = CAST(:s AS jsonb), modified_on = now() WHERE id = :id"
                ),
                {"s": json.dumps(dict(b.schedule, next_fire=nxt.isoformat() if nxt else None)), "id": b.id},
            )
            copy_id = (
                await db.execute(
                    text(
                        """
                        INSERT INTO broadcasts (uuid, org_id, translations, base_language, status, urns, query,
                                                is_active, created_by_id)
                        SELECT gen_random_uuid(), org_id, translations, base_language, 'P', urns, query, true,
                               created_by_id
                        FROM broadcasts WHERE id = :id RETURNING id
                        """
                    ),
                    {"id": b.id},
                )
            ).scalar_one()
            await db.execute(
                text(
                    """
                    INSERT INTO broadcast_contacts (broadcast_id, contact_id)
                    SELECT :copy, contact_id FROM broadcast_contacts WHERE broadcast_id = :id
                    """
                ),
                {"copy": copy_id, "id": b.id},
            )
            await db.execute(
                text(
                    """
                    INSERT INTO broadcast_groups (broadcast_id, group_id)
                    SELECT :copy, group_id FROM broadcast_groups WHERE broadcast_id = :id
                    """
                ),
                {"copy": copy_id, "id": b.id},
            )
            fired.append((b.org_id, copy_id))
    queue = FairQueue(get_redis(), QUEUE_BATCH)
    for org_id, copy_id in fired:
        await queue.push(org_id, "send_broadcast", {"broadcast_id": copy_id}, priority=True)
    return len(fired)
