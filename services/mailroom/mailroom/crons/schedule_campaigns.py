"""Cron schedule_campaigns: notices campaign events that were created, edited (web bumps fire_version) or
deleted since their fires were last computed, and queues `schedule_campaign_event` for them. Web may also
queue that task itself; this makes fires right within a minute even when it does not.

    mailroom:campaign_events_scheduled   HASH event id -> the fire_version its fires were computed for
"""

from sqlalchemy import text

from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from upesi.queues.tasks import ScheduleCampaignEvent, queue_task

INTERVAL = 60.0
SCHEDULED = "mailroom:campaign_events_scheduled"


async def run() -> int:
    """Returns how many events were queued for scheduling."""
    redis = get_redis()
    async with transaction() as db:
        rows = (
            await db.execute(
                text(
                    """
                    SELECT e.id, e.org_id, e.fire_version,
                           e.is_active AND c.is_active AND NOT c.is_archived AS live
                    FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id
                    """
                )
            )
        ).all()
    done = {int(k): int(v) for k, v in (await redis.hgetall(SCHEDULED)).items()}
    queued = 0
    for r in rows:
        # a live event whose fires are missing or of another version, or a dead one that still has fires
        if (r.live and done.get(r.id) != r.fire_version) or (not r.live and r.id in done):
            await queue_task(redis, r.org_id, ScheduleCampaignEvent(event_id=r.id))
            queued += 1
    return queued


async def mark_scheduled(event_id: int, fire_version: int | None, live: bool) -> None:
    """Called by schedule_campaign_event once the event's fires are committed."""
    redis = get_redis()
    if live and fire_version is not None:
        await redis.hset(SCHEDULED, str(event_id), str(fire_version))
    else:
        await redis.hdel(SCHEDULED, str(event_id))
