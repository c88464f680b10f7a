"""Task `schedule_campaign_event` (tasks:batch): (re)compute the fires of a campaign event for every
member of its campaign's group, after the event was created or changed (web bumps its fire_version).

    {"type": "schedule_campaign_event", "task": {"event_id": 4}}
"""

from typing import Any

from upesi.db.engine import transaction

from mailroom.campaigns import schedule_event

TYPE = "schedule_campaign_event"


async def handle(org_id: int, body: dict[str, Any]) -> None:
    async with transaction() as db:
        await schedule_event(db, org_id, int(body["event_id"]))
