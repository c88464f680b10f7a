"""Task `schedule_contact_fires` (tasks:batch): recompute the campaign fires of contacts whose fields or
groups were changed outside a flow (the API, an import). Changes made by flows are handled when their
sprints are committed.

    {"type": "schedule_contact_fires", "task": {"contact_ids": [101, 102]}}
"""

from typing import Any

from upesi.db.engine import transaction

from mailroom.campaigns import schedule_contacts

TYPE = "schedule_contact_fires"


async def handle(org_id: int, body: dict[str, Any]) -> None:
    async with transaction() as db:
        await schedule_contacts(db, org_id, [int(c) for c in body.get("contact_ids") or []])
