"""Task `schedule_campaign_event` (tasks:batch): (re)compute the fires of a campaign event for every
member of its campaign's group, after the event was created or changed (web bumps its fire_version).

    {"type": "schedule_campaign_event", "task": {"event_id": 4}}
"""

from typing import Any

from mailroom.campaigns import schedule_event
from mailroom.crons.schedule_campaigns import mark_scheduled
from upesi.db.engine import transaction
from upesi.queues.tasks import ScheduleCampaignEvent

TASK = ScheduleCampaignEvent


async def handle(org_id: int, body: dict[str, Any]) -> None:
    event_id = ScheduleCampaignEvent.decode(body).event_id
    async with transaction() as db:
        version, live = await schedule_event(db, org_id, event_id)
    await mark_scheduled(event_id, version, live)
