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
            await db.execute(
                text("SELECT id FROM channels WHERE uuid = CAST(:u AS uuid)"), {"u": channel_uuid}
            )
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
                {
                    "u": msg_uuid,
                    "o": org_id,
                    "ch": channel.id,
                    "c": resolved.contact_id,
                    "urn": resolved.urn_id,
                    "t": msg_text,
                },
            )
        ).scalar_one()
    await queue_contact_event(
        get_redis(), org_id, resolved.contact_id, "msg_received",
        {"channel_id": channel.id, "channel_uuid": channel_uuid, "msg_id": msg_id, "msg_uuid": msg_uuid,
         "msg_external_id": None, "urn": parsed.identity, "urn_id": resolved.urn_id, "text": msg_text,
         "attachments": [], "new_contact": resolved.new_contact},
    )  # fmt: skip
    return resolved.contact_id, msg_uuid


async def receive_many(
    org_id: int, channel_uuid: str, count: int, msg_text: str, first_number: int
) -> list[int]:
    """`count` new contacts each sending `msg_text`, stored and queued as courier would, in bulk:
    a handful of statements and one Redis pipeline whatever the count. Returns the contact ids."""
    from upesi.queues.contacts import event_item, events_key
    from upesi.queues.fair import QUEUE_REALTIME, Task
    from upesi.queues.tasks import HandleContactEvent

    async with transaction() as db:
        channel_id = (
            await db.execute(
                text("SELECT id FROM channels WHERE uuid = CAST(:u AS uuid)"), {"u": channel_uuid}
            )
        ).scalar_one()
        rows = (
            await db.execute(
                text(
                    """
                    WITH numbers AS (SELECT n FROM generate_series(CAST(:first AS int), CAST(:first AS int) + CAST(:count AS int) - 1) AS n),
                    new_contacts AS (
                        INSERT INTO contacts (uuid, org_id, status, fields)
                        SELECT gen_random_uuid(), :org, 'A', '{}'::jsonb FROM numbers RETURNING id
                    ), numbered AS (
                        SELECT id, CAST(:first AS int) + row_number() OVER (ORDER BY id) - 1 AS n FROM new_contacts
                    ), new_urns AS (
                        INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, channel_id, auth_tokens)
                        SELECT :org, id, 'tel', '+1555' || lpad(n::text, 7, '0'), 'tel:+1555' || lpad(n::text, 7, '0'),
                               1000, :ch, '{}'::jsonb
                        FROM numbered RETURNING id, contact_id, identity
                    ), new_msgs AS (
                        INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
                        SELECT gen_random_uuid(), :org, :ch, contact_id, id, :t, 'I', 'P' FROM new_urns
                        RETURNING id, uuid, contact_id, contact_urn_id
                    )
                    SELECT m.id, m.uuid::text AS uuid, m.contact_id, m.contact_urn_id, u.identity
                    FROM new_msgs m JOIN new_urns u ON u.id = m.contact_urn_id ORDER BY m.contact_id
                    """
                ),
                {"first": first_number, "count": count, "org": org_id, "ch": channel_id, "t": msg_text},
            )
        ).all()
    redis = get_redis()
    async with redis.pipeline(transaction=False) as pipe:
        for r in rows:
            body = {"channel_id": channel_id, "channel_uuid": channel_uuid, "msg_id": r.id, "msg_uuid": r.uuid,
                    "msg_external_id": None, "urn": r.identity, "urn_id": r.contact_urn_id, "text": msg_text,
                    "attachments": [], "new_contact": True}  # fmt: skip
            pipe.rpush(events_key(org_id, r.contact_id), event_item("msg_received", body))
            pipe.rpush(
                f"{{{QUEUE_REALTIME}}}:o:{org_id}/1",
                Task(HandleContactEvent.TYPE, HandleContactEvent(contact_id=r.contact_id).body()).encode(),
            )
        await pipe.execute()
    await redis.zadd(
        f"{{{QUEUE_REALTIME}}}:queued", {str(org_id): await redis.llen(f"{{{QUEUE_REALTIME}}}:o:{org_id}/1")}
    )
    return [r.contact_id for r in rows]
