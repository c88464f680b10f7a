"""Task `schedule_contact_fires` (tasks:batch): contacts changed outside a flow (the API, the UI, an import)
have their smart groups re-evaluated and then their campaign fires recomputed (a new smart-group member may
join a campaign). Changes made by flows are handled when their sprints are committed.

    {"type": "schedule_contact_fires", "task": {"contact_ids": [101, 102]}}
"""

from typing import Any

from mailroom.campaigns import schedule_contacts
from upesi.db.engine import transaction
from upesi.db.ops.smart_groups import refresh_contacts_groups
from upesi.queues.tasks import ScheduleContactFires

TASK = ScheduleContactFires


async def handle(org_id: int, body: dict[str, Any]) -> None:
    contact_ids = ScheduleContactFires.decode(body).contact_ids
    async with transaction() as db:
        await refresh_contacts_groups(db, org_id, contact_ids)
        await schedule_contacts(db, org_id, contact_ids)
