"""Turning due contact_fires rows into work.

A run claims due fires by moving their fire_on to a retry time (so the next run leaves them alone while
their work is queued, and picks them up again should that work be lost), then:

- T (wait timeout), E (wait expiration) and S (session expiration) fires become `wait_timeout` /
  `wait_expired` events on the contact's event list, handled in order with the contact's other events;
  the handler ignores a fire whose session or sprint is no longer the contact's current one. The rows
  are deleted once queued.
- C (campaign) fires become `bulk_campaign_trigger` tasks of up to 100 contacts per event. The claim is
  also written in the fire's sprint_uuid (unused by campaign fires): the task deletes the rows still
  carrying its claim in its own transaction (so a redelivered task does nothing twice), and a fire
  rescheduled meanwhile (the contact's date moved) loses the claim and waits for its new time.
"""

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from upesi.db.engine import transaction
from upesi.metrics import UNKNOWN_FIRES
from upesi.queues.contacts import queue_contact_event
from upesi.queues.redis import get_redis
from upesi.queues.tasks import BulkCampaignTrigger, queue_task

LIMIT = 10_000
RETRY_AFTER = timedelta(minutes=10)
CAMPAIGN_BATCH = 100
QUEUE_CHUNK = 20  # the process shares one Redis pool (100 connections) with its workers
WAIT_EVENTS = {"T": "wait_timeout", "E": "wait_expired", "S": "wait_expired"}
CAMPAIGN_FIRE = "C"
log = logging.getLogger(__name__)


async def fire_due(now: datetime | None = None) -> int:
    """Queue the work of every fire due by `now`; returns how many fires were claimed."""
    now = now or datetime.now(UTC)
    until = now + RETRY_AFTER
    claim = str(uuid.uuid4())
    async with transaction() as db:
        fires = (
            await db.execute(
                text(
                    """
                    UPDATE contact_fires SET fire_on = :until,
                        sprint_uuid = CASE WHEN fire_type = 'C' THEN CAST(:claim AS uuid) ELSE sprint_uuid END
                    WHERE id IN (
                        SELECT id FROM contact_fires WHERE fire_on <= :now ORDER BY fire_on LIMIT :limit
                        FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id, contact_id, fire_type, scope, session_uuid::text, sprint_uuid::text
                    """
                ),
                {"now": now, "until": until, "limit": LIMIT, "claim": claim},
            )
        ).all()
    if not fires:
        return 0
    waits = [f for f in fires if f.fire_type in WAIT_EVENTS]
    campaign = [f for f in fires if f.fire_type == CAMPAIGN_FIRE]
    unknown = [f for f in fires if f.fire_type not in WAIT_EVENTS and f.fire_type != CAMPAIGN_FIRE]
    if unknown:
        # no owner: they stay claimed (and come back every RETRY_AFTER, logged and counted each time) rather
        # than being deleted unseen
        UNKNOWN_FIRES.inc(len(unknown))
        log.error(
            "contact fires of unknown type left in place",
            extra={"fire_ids": [f.id for f in unknown], "types": sorted({f.fire_type for f in unknown})},
        )
    await _queue_waits(waits, until)
    await _queue_campaign(campaign, claim)
    return len(fires)


async def _queue_waits(fires: list[Any], until: datetime) -> None:
    if not fires:
        return
    redis = get_redis()
    # concurrently, a chunk at a time: each is two round trips, and a cron run may claim thousands
    for i in range(0, len(fires), QUEUE_CHUNK):
        await asyncio.gather(
            *(
                queue_contact_event(
                    redis, f.org_id, f.contact_id, WAIT_EVENTS[f.fire_type],
                    {"contact_id": f.contact_id, "session_uuid": f.session_uuid, "sprint_uuid": f.sprint_uuid},
                )
                for f in fires[i : i + QUEUE_CHUNK]
            )
        )  # fmt: skip
    # queued first, deleted after: a crash in between queues them again, which the staleness check absorbs.
    # A row rewritten meanwhile (a new wait) has another fire_on and stays.
    async with transaction() as db:
        await db.execute(
            text("DELETE FROM contact_fires WHERE id = ANY(:ids) AND fire_on = :until"),
            {"ids": [f.id for f in fires], "until": until},
        )


async def _queue_campaign(fires: list[Any], claim: str) -> None:
    by_event: dict[tuple[int, str], list[Any]] = {}
    for f in fires:
        by_event.setdefault((f.org_id, f.scope), []).append(f)
    redis = get_redis()
    for (org_id, scope), event_fires in by_event.items():
        event_id, _, version = scope.partition(":")
        for i in range(0, len(event_fires), CAMPAIGN_BATCH):
            chunk = event_fires[i : i + CAMPAIGN_BATCH]
            task = BulkCampaignTrigger(
                event_id=int(event_id),
                fire_version=int(version or 0),
                fire_ids=[f.id for f in chunk],
                claim=claim,
            )
            await queue_task(redis, org_id, task, priority=True)
