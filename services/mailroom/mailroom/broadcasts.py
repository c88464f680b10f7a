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
from upesi.db.raw import asyncpg_of
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


# What a batch needs of its broadcast (not the recipient arrays load_broadcast reads: a broadcast to 100,000
# contacts named one by one would have each of its 1,000 batches read all 100,000 of them).
_BATCH_BROADCAST = (
    "SELECT id, status, translations, base_language FROM broadcasts WHERE id = $1 AND org_id = $2"
)

# Contacts of the batch already sent this broadcast (a contact gets a broadcast once), one index probe each
# (a LATERAL with LIMIT stays a probe per contact; an EXISTS could become a join over the broadcast's messages):
# as `broadcast_id = $1 AND contact_id = ANY($2)`, the plan made while the broadcast's messages were few (the
# prepared statement's generic plan, kept as they grow) read every message of the broadcast so far in each
# batch, 10,000 index entries a batch at 20,000 contacts: quadratic in the broadcast's size.
_SENT = """
SELECT c.id FROM unnest($2::bigint[]) AS c(id),
    LATERAL (SELECT 1 FROM msgs m WHERE m.broadcast_id = $1 AND m.contact_id = c.id LIMIT 1) AS sent
"""

# The broadcast is complete when no batch is left undone; run after its row lock is held (see send_batch)
_FINISH = """
UPDATE broadcasts SET modified_on = now(),
    status = CASE WHEN EXISTS (SELECT 1 FROM task_batches WHERE kind = $2 AND parent_id = $1 AND done_on IS NULL)
                  THEN 'S' ELSE 'C' END
WHERE id = $1 AND status IN ('Q', 'S')
"""


async def send_batch(org_id: int, broadcast_id: int, index: int, contact_ids: list[int]) -> None:
    outgoing: list[Outgoing] = []
    async with transaction() as db:
        if not await batches.claim(db, batches.BROADCAST, broadcast_id, index):
            return  # redelivered: this batch already committed
        pg = await asyncpg_of(db)  # the batch's statements straight to asyncpg, in the session's transaction
        bcast = await pg.fetchrow(_BATCH_BROADCAST, broadcast_id, org_id)
        if bcast is None or bcast["status"] in ("F", "I"):
            return
        sent = {r["id"] for r in await pg.fetch(_SENT, broadcast_id, contact_ids)}
        ids = [c for c in contact_ids if c not in sent]
        if ids:
            outgoing = await _send(db, org_id, bcast, ids)
        # this batch's done mark is not yet committed, nor maybe another's: the broadcast's row lock, taken
        # before looking for undone batches, makes the later of two finishing batches look after the earlier
        # committed (each statement reads a new snapshot, so the lock and the look are two statements).
        # Looking without it, both can see the other pending, and the broadcast never completes. NO KEY: the
        # messages' foreign key holds KEY SHARE on the same row.
        await pg.execute("SELECT 1 FROM broadcasts WHERE id = $1 FOR NO KEY UPDATE", broadcast_id)
        await pg.execute(_FINISH, broadcast_id, batches.BROADCAST)
    await queue_outgoing(outgoing)


async def _send(db: AsyncSession, org_id: int, bcast: Any, contact_ids: list[int]) -> list[Outgoing]:
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, contact_ids, scene.field_keys)
    dests = await destinations(db, org_id, contact_ids)
    templates = Templates(scene.assets, scene.environment)
    msgs = [
        compose(templates, bcast["translations"], bcast["base_language"], contacts[cid])
        for cid in contact_ids
        if cid in contacts
    ]
    return await insert_msgs(db, org_id, msgs, dests, broadcast_id=bcast["id"])


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
