"""Putting an incoming message in place exactly as courier does, for mailroom tests that run without courier."""

import uuid

from sqlalchemy import text

from upesi.db.engine import transaction
from upesi.db.ops.contacts import resolve_contacts
from upesi.queues.contacts import queue_contact_event
from upesi.queues.redis import get_redis
from upesi.urns import parse_urn


async def receive(org_id: int, channel_uuid: str, urn: str, msg_text: str) -> tuple[int, str]:
    """Store an incoming message like courier and queue msg_received; returns (contact id, msg uuid)."""
    async with transaction() as db:
        channel = (
            await db.execute(text("SELECT id FROM channels WHERE uuid = CAST(:u AS uuid)"), {"u": channel_uuid})
        ).one()
        parsed = parse_urn(urn)
        resolved = (await resolve_contacts(db, org_id, [parsed], channel.id))[parsed.identity]
        msg_uuid = str(uuid.uuid4())
        msg_id = (
            await db.execute(
                text(
                    """
                    INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
                    VALUES (CAST(:u AS uuid), :o, :ch, :c, :urn, :t, 'I', 'P') RETURNING id
                    """
                ),
                {"u": msg_uuid, "o": org_id, "ch": channel.id, "c": resolved.contact_id, "urn": resolved.urn_id, "t": msg_text},
            )
        ).scalar_one()
    await queue_contact_event(
        get_redis(), org_id, resolved.contact_id, "msg_received",
        {"channel_id": channel.id, "channel_uuid": channel_uuid, "msg_id": msg_id, "msg_uuid": msg_uuid,
         "msg_external_id": None, "urn": parsed.identity, "urn_id": resolved.urn_id, "text": msg_text,
         "attachments": [], "new_contact": resolved.new_contact},
    )  # fmt: skip
    return resolved.contact_id, msg_uuid
