"""Task `interrupt_contacts` (tasks:batch): end the contacts' waiting sessions (status I) and their runs,
and drop their wait fires.

    {"type": "interrupt_contacts", "task": {"contact_ids": [101, 102]}}
"""

import logging
from typing import Any

from sqlalchemy import text

from mailroom.locks import lock_contacts, unlock_contacts
from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from upesi.queues.tasks import InterruptContacts

TASK = InterruptContacts
LOCK_WAIT_SECONDS = 10.0
log = logging.getLogger(__name__)


async def handle(org_id: int, body: dict[str, Any]) -> None:
    contact_ids = InterruptContacts.decode(body).contact_ids
    if not contact_ids:
        return
    redis = get_redis()
    # the locks keep a resume that is under way from writing the session back as waiting afterwards;
    # a contact whose lock can't be had is interrupted anyway (the user asked for it)
    tokens, skipped = await lock_contacts(redis, org_id, contact_ids, LOCK_WAIT_SECONDS)
    if skipped:
        log.warning("interrupting contacts without their lock", extra={"contacts": skipped})
    try:
        async with transaction() as db:
            await interrupt(db, org_id, contact_ids)
    finally:
        await unlock_contacts(redis, org_id, tokens)


async def interrupt(db: Any, org_id: int, contact_ids: list[int], status: str = "I") -> None:
    """Idempotent: a second run finds nothing waiting."""
    ended = await db.execute(
        text(
            """
            UPDATE flow_sessions SET status = :st, ended_on = now(), current_flow_id = NULL
            WHERE org_id = :org AND contact_id = ANY(:ids) AND status = 'W' RETURNING uuid
            """
        ),
        {"org": org_id, "ids": contact_ids, "st": status},
    )
    sessions = [str(u) for u in ended.scalars()]
    if sessions:
        await db.execute(
            text(
                """
                UPDATE flow_runs SET status = :st, exited_on = now(), modified_on = now(), current_node_uuid = NULL
                WHERE session_uuid = ANY(CAST(:s AS uuid[])) AND status IN ('A', 'W')
                """
            ),
            {"s": sessions, "st": status},
        )
    await db.execute(
        text(
            """
            UPDATE contacts SET current_session_uuid = NULL, current_flow_id = NULL, modified_on = now()
            WHERE org_id = :org AND id = ANY(:ids) AND current_session_uuid IS NOT NULL
            """
        ),
        {"org": org_id, "ids": contact_ids},
    )
    await db.execute(
        text("DELETE FROM contact_fires WHERE contact_id = ANY(:ids) AND fire_type IN ('T', 'E')"),
        {"ids": contact_ids},
    )
