"""Cron fire_schedules: sends due scheduled broadcasts and fires due schedule triggers. Each broadcast fire
sends a copy of the scheduled broadcast (schedule-less, pending) through send_broadcast; each trigger fire
is a pending flow start (type T) of the trigger's flow for its groups, less the members of its exclude
groups, through start_flow. Either way the schedule's next_fire moves on (null for a one-off). A copy or
start whose task push was lost is pushed again by the queue_pending cron."""

import json
import logging
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from upesi.queues.tasks import SendBroadcast, StartFlow, queue_task
from upesi.schedules import next_fire

INTERVAL = 60.0
log = logging.getLogger(__name__)


def _due(alias: str) -> str:
    """SQL: the schedule of row `alias` is due at :now (its next fire, or its start before the first fire)."""
    return (
        f"(CASE WHEN {alias}.schedule ? 'next_fire' THEN ({alias}.schedule->>'next_fire')::timestamptz"
        f" ELSE ({alias}.schedule->>'start')::timestamptz END) <= :now"
    )


async def run(now: datetime | None = None) -> int:
    """Returns how many broadcasts and schedule triggers were fired."""
    now = now or datetime.now(UTC)
    fired: list[tuple[int, int]] = []
    async with transaction() as db:
        due = (
            await db.execute(
                text(
                    f"""
                    SELECT b.id, b.org_id, b.schedule, o.timezone FROM broadcasts b JOIN orgs o ON o.id = b.org_id
                    WHERE b.schedule IS NOT NULL AND b.is_active
                      AND {_due("b")}
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
        starts = await _fire_triggers(db, now)
    redis = get_redis()
    for org_id, copy_id in fired:
        await queue_task(redis, org_id, SendBroadcast(broadcast_id=copy_id), priority=True)
    for org_id, start_id in starts:
        await queue_task(redis, org_id, StartFlow(start_id=start_id), priority=True)
    return len(fired) + len(starts)


async def _fire_triggers(db: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(org id, flow start id) for each due schedule trigger, its next fire moved on."""
    due = (
        await db.execute(
            text(
                f"""
                SELECT t.id, t.org_id, t.flow_id, t.schedule, o.timezone FROM triggers t JOIN orgs o ON o.id = t.org_id
                JOIN flows f ON f.id = t.flow_id AND f.is_active AND NOT f.is_archived
                WHERE t.trigger_type = 'S' AND t.schedule IS NOT NULL AND t.is_active AND NOT t.is_archived
                  AND {_due("t")}
                ORDER BY t.id LIMIT 1000
                FOR UPDATE OF t SKIP LOCKED
                """
            ),
            {"now": now},
        )
    ).all()
    starts = []
    for t in due:
        nxt = next_fire(t.schedule, t.timezone, now)
        await db.execute(
            text("UPDATE triggers SET schedule = CAST(:s AS jsonb), modified_on = now() WHERE id = :id"),
            {"s": json.dumps(dict(t.schedule, next_fire=nxt.isoformat() if nxt else None)), "id": t.id},
        )
        start_id = (
            await db.execute(
                text(
                    """
                    WITH s AS (
                        INSERT INTO flow_starts (uuid, org_id, flow_id, start_type, status, restart_participants,
                                                 exclude_active)
                        VALUES (gen_random_uuid(), :org, :flow, 'T', 'P', true, false) RETURNING id
                    ), g AS (
                        INSERT INTO flow_start_groups (start_id, group_id)
                        SELECT s.id, tg.group_id FROM s, trigger_groups tg WHERE tg.trigger_id = :id
                    ), x AS (
                        INSERT INTO flow_start_exclude_groups (start_id, group_id)
                        SELECT s.id, tx.group_id FROM s, trigger_exclude_groups tx WHERE tx.trigger_id = :id
                    )
                    SELECT id FROM s
                    """
                ),
                {"org": t.org_id, "flow": t.flow_id, "id": t.id},
            )
        ).scalar_one()
        starts.append((t.org_id, start_id))
    return starts
