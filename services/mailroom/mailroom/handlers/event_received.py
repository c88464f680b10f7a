"""ctask `event_received`: a channel event courier stored (stop_contact, new_conversation, referral,
mo_miss, optin, optout).

    {"type": "event_received", "task": {"event_id": 4, "event_uuid": "…", "event_type": "stop_contact",
     "channel_id": 3, "urn_id": 5, "extra": {}, "new_contact": false, "occurred_on": "2026-11-23T06:00:00Z"}}
"""

import logging
from typing import Any

from sqlalchemy import text

from upesi.db.engine import transaction

log = logging.getLogger(__name__)


async def handle(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    event_type = task.get("event_type")
    async with transaction() as db:
        if event_type == "stop_contact" or event_type == "optout":
            await db.execute(
                text("UPDATE contacts SET status = 'S', modified_on = now() WHERE id = :c AND org_id = :o"),
                {"c": contact_id, "o": org_id},
            )
            # a stopped contact leaves its flows
            await db.execute(
                text(
                    """
                    WITH ended AS (
                        UPDATE flow_sessions SET status = 'I', ended_on = now()
                        WHERE contact_id = :c AND status = 'W' RETURNING uuid
                    )
                    UPDATE flow_runs SET status = 'I', exited_on = now(), modified_on = now()
                    WHERE session_uuid IN (SELECT uuid FROM ended) AND status IN ('A', 'W')
                    """
                ),
                {"c": contact_id},
            )
            await db.execute(
                text("UPDATE contacts SET current_session_uuid = NULL, current_flow_id = NULL WHERE id = :c"),
                {"c": contact_id},
            )
        elif event_type in ("new_conversation", "referral", "optin"):
            await db.execute(
                text("UPDATE contacts SET status = 'A' WHERE id = :c AND org_id = :o AND status = 'S'"),
                {"c": contact_id, "o": org_id},
            )
        else:
            log.info(
                "channel event with no handling yet",
                extra={"event_type": event_type, "contact_id": contact_id},
            )
        if task.get("event_id"):
            await db.execute(
                text("UPDATE channel_events SET status = 'H' WHERE id = :id"), {"id": task["event_id"]}
            )
