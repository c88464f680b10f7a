"""Broadcasts: resolving recipients into stored batches, and sending one batch (a message per contact in
their language, templates evaluated, one insert per batch, then queued to courier).

A broadcast's status: P pending, Q queued, S sending (some batches done), C completed, F failed."""

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import batches
from mailroom.contacts import load_contacts
from mailroom.messages import NewMsg, Templates, as_content, destinations, insert_msgs, translate
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing
from mailroom.recipients import Exclusions, Recipients, resolve
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction
from upesi.queues.tasks import SendBroadcastBatch
from upesi.quick_replies import encode

BATCH_SIZE = 100
log = logging.getLogger(__name__)


async def load_broadcast(db: AsyncSession, org_id: int, broadcast_id: int, lock: bool = False) -> Any:
    return (
        await db.execute(
            text(
                f"""
                SELECT id, status, translations, base_language, urns, query, schedule, is_active,
                       ARRAY(SELECT contact_id FROM broadcast_contacts WHERE broadcast_id = b.id) AS contact_ids,
                       ARRAY(SELECT group_id FROM broadcast_groups WHERE broadcast_id = b.id) AS group_ids
                FROM broadcasts b WHERE id = :id AND org_id = :org {"FOR UPDATE" if lock else ""}
                """
            ),
            {"id": broadcast_id, "org": org_id},
        )
    ).first()


async def split_broadcast(org_id: int, broadcast_id: int) -> None:
    """Resolve the recipients and queue the batches; a redelivered task re-queues the unfinished ones."""
    async with transaction() as db:
        bcast = await load_broadcast(db, org_id, broadcast_id, lock=True)
        if bcast is None or bcast.status in ("C", "F", "I") or not bcast.is_active:
            return
        if bcast.schedule is not None:
            return  # a schedule: the fire_schedules cron sends a copy of it each time it is due
        todo = await batches.pending(db, batches.BROADCAST, broadcast_id)
        if todo is None:
            recipients = Recipients(
                list(bcast.contact_ids), list(bcast.group_ids), list(bcast.urns or []), bcast.query
            )
            contact_ids = await resolve(db, org_id, recipients, Exclusions())
            split = await batches.store(db, batches.BROADCAST, broadcast_id, contact_ids, BATCH_SIZE)
            await db.execute(
                text(
                    "UPDATE broadcasts SET status = :s, contact_count = :n, modified_on = now() WHERE id = :id"
                ),
                {"s": "Q" if contact_ids else "C", "n": len(contact_ids), "id": broadcast_id},
            )
            todo = list(enumerate(split))
    await batches.queue_batches(
        org_id,
        [SendBroadcastBatch(broadcast_id=broadcast_id, batch_index=i, contact_ids=ids) for i, ids in todo],
    )


async def send_batch(org_id: int, broadcast_id: int, index: int, contact_ids: list[int]) -> None:
    outgoing: list[Outgoing] = []
    async with transaction() as db:
        if not await batches.claim(db, batches.BROADCAST, broadcast_id, index):
            return  # redelivered: this batch already committed
        bcast = await load_broadcast(db, org_id, broadcast_id)
        if bcast is None or bcast.status in ("F", "I"):
            return
        ids = await _not_sent(db, broadcast_id, contact_ids)
        if ids:
            outgoing = await _send(db, org_id, bcast, ids)
        # this batch's done mark is not yet committed, nor maybe another's: the broadcast's row lock, taken
        # before counting, makes the later of two finishing batches count after the earlier committed (each
        # statement reads a new snapshot). Counting without it, both can see the other pending, and the
        # broadcast never completes. NO KEY: the messages' foreign key holds KEY SHARE on the same row.
        await db.execute(
            text("SELECT 1 FROM broadcasts WHERE id = :id FOR NO KEY UPDATE"), {"id": broadcast_id}
        )
        remaining = (
            await db.execute(
                text(
                    "SELECT count(*) FROM task_batches WHERE kind = :k AND parent_id = :p AND done_on IS NULL"
                ),
                {"k": batches.BROADCAST, "p": broadcast_id},
            )
        ).scalar_one()
        await db.execute(
            text(
                "UPDATE broadcasts SET status = :s, modified_on = now() WHERE id = :id AND status IN ('Q', 'S')"
            ),
            {"s": "S" if remaining else "C", "id": broadcast_id},
        )
    await queue_outgoing(outgoing)


async def _not_sent(db: AsyncSession, broadcast_id: int, contact_ids: list[int]) -> list[int]:
    """Contacts not yet sent this broadcast (a contact gets a broadcast once). One index probe per contact: as
    `broadcast_id = :b AND contact_id = ANY(:ids)`, the plan made while the broadcast's messages were few (the
    generic plan of the prepared statement, kept as they grow) read every message of the broadcast so far in
    each batch, 10,000 index entries a batch at 20,000 contacts, quadratic in the broadcast's size."""
    sent = await db.execute(
        text(
            """
            SELECT c.id FROM unnest(CAST(:ids AS bigint[])) AS c(id),
                LATERAL (SELECT 1 FROM msgs m WHERE m.broadcast_id = :b AND m.contact_id = c.id LIMIT 1) AS sent
            """
        ),
        {"b": broadcast_id, "ids": contact_ids},
    )
    done = set(sent.scalars())
    return [c for c in contact_ids if c not in done]


async def _send(db: AsyncSession, org_id: int, bcast: Any, contact_ids: list[int]) -> list[Outgoing]:
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, contact_ids, scene.field_keys)
    dests = await destinations(db, org_id, contact_ids)
    templates = Templates(scene.assets, scene.environment)
    msgs = [
        compose(templates, bcast.translations, bcast.base_language, contacts[cid])
        for cid in contact_ids
        if cid in contacts
    ]
    return await insert_msgs(db, org_id, msgs, dests, broadcast_id=bcast.id)


def compose(
    templates: Templates, translations: dict[str, Any], base_language: str, contact: dict[str, Any]
) -> NewMsg:
    """One contact's message: their translation, templates evaluated against them."""
    lang, content = translate(translations, base_language, contact)
    content = as_content(content)
    return NewMsg(
        contact_id=contact["id"],
        contact_uuid=contact["uuid"],
        text=templates.evaluate(content.get("text") or "", contact),
        attachments=[templates.evaluate(a, contact) for a in content.get("attachments") or []],
        # each reply keeps its type and extra (stored encoded); only its text is a template
        quick_replies=[
            encode(
                templates.evaluate(q, contact)
                if isinstance(q, str)
                else {**q, "text": templates.evaluate(q["text"], contact)}
                if q.get("text")
                else q
            )
            for q in content.get("quick_replies") or []
        ],
        locale=lang if lang and lang != "und" else None,
    )
