"""Task `send_msg` (tasks:batch): queue to courier an outgoing message the API wrote (status Q or I).

{"type": "send_msg", "task": {"msg_id": 345}}
"""

from typing import Any

from sqlalchemy import text

from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing
from upesi.db.engine import transaction
from upesi.queues.tasks import SendMsg
from upesi.quick_replies import for_courier

TASK = SendMsg


async def handle(org_id: int, body: dict[str, Any]) -> None:
    msg_id = SendMsg.decode(body).msg_id
    async with transaction() as db:
        row = (
            await db.execute(
                text(
                    """
                    SELECT m.id, m.uuid::text, m.text, m.attachments, m.quick_replies, m.locale, m.high_priority,
                           m.status, m.created_on, m.contact_id, c.uuid::text AS contact_uuid, u.id AS urn_id,
                           u.identity, ch.uuid::text AS channel_uuid, ch.tps
                    FROM msgs m JOIN contacts c ON c.id = m.contact_id
                    JOIN channels ch ON ch.id = m.channel_id AND ch.is_active
                    JOIN contact_urns u ON u.id = m.contact_urn_id
                    WHERE m.id = :id AND m.org_id = :org AND m.direction = 'O'
                    """
                ),
                {"id": msg_id, "org": org_id},
            )
        ).first()
        # only a message not yet handed to courier (or handed over but not yet picked up: courier's
        # double-send guard makes a repeat harmless) is queued; anything later has already gone
        if row is None or row.status not in ("I", "Q"):
            return
        if row.status == "I":  # Q before the push, as everything mailroom queues (outbox)
            await db.execute(
                text("UPDATE msgs SET status = 'Q', modified_on = now() WHERE id = :id AND status = 'I'"),
                {"id": msg_id},
            )
    msg = {
        "id": row.id,
        "uuid": row.uuid,
        "org_id": org_id,
        "channel_uuid": row.channel_uuid,
        "contact": {"id": row.contact_id, "uuid": row.contact_uuid},
        "urn": row.identity,
        "urn_id": row.urn_id,
        "text": row.text,
        "attachments": list(row.attachments or []),
        "quick_replies": for_courier(row.quick_replies),  # typed ones as dicts
        "locale": row.locale,
        "high_priority": row.high_priority,
        "origin": "chat",
        "created_on": row.created_on.isoformat(),
        "tps_cost": 1,
    }
    await queue_outgoing([Outgoing(row.channel_uuid, row.tps, row.high_priority, [msg])])
