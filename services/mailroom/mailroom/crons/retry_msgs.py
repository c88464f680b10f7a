"""Crons that make sure handed-over work is not lost:

- requeue_stuck: outgoing messages left in I (the push to courier failed: outbox.queue_outgoing marks
  them so) for more than a minute are queued again.
- retry_errored: errored messages (E) whose next_attempt has come are queued again.
- queue_pending: flow starts and broadcasts still pending (P) get their task pushed: those created by a
  flow's actions at once (new rows; for broadcasts that includes the API's, which it pushes itself: the
  second push finds the work done), others after a minute; and starts and broadcasts still unfinished
  five minutes after their last progress, whose parent task then queues the batches not yet done.
- sweep_queued: outgoing messages still queued (Q) 15 minutes after they were queued: if courier marked one
  as being sent (it died mid-send, so the provider may have it) it is failed, visibly, rather than sent twice;
  otherwise it was lost from courier's queue (popped by a courier that died first, or a Redis restart) and is
  queued again (courier's double-send guard skips a copy that was sent after all). Messages are written as
  Q (outbox), so this is also what finds those whose writer died between its commit and the push.
Each claims its messages as Q before pushing them, as RapidPro's PrepareMessagesForRetry does: a failed push
marks them I again (outbox.queue_outgoing).
- retry_incoming: incoming messages still pending (P) five minutes after courier stored them (or after the
  last retry) get their msg_received event queued again, as the reference's retry_msgs cron does: courier
  could not queue it (Redis down) or died before it did. msg_received skips a message already handled.

The waits named are the defaults of the settings STUCK_MSG_SECONDS, QUEUED_MSG_SECONDS, STALLED_JOB_SECONDS and
PENDING_INCOMING_SECONDS; RECOVERY_CRON_SECONDS (60) is how often these crons run.
"""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing
from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.queues.contacts import queue_contact_event
from upesi.queues.outgoing import sending_key
from upesi.queues.redis import get_redis
from upesi.queues.tasks import SendBroadcast, StartFlow, queue_task
from upesi.quick_replies import for_courier

PENDING_INTERVAL = 5.0  # flow-action starts wait for this cron to push their task, so it runs often
LIMIT = 5000
log = logging.getLogger(__name__)

_SELECT = """
SELECT m.id, m.uuid::text, m.org_id, m.text, m.attachments, m.quick_replies, m.locale, m.high_priority,
       m.created_on, m.contact_id, m.broadcast_id, m.flow_id, c.uuid::text AS contact_uuid, u.id AS urn_id,
       u.identity, ch.uuid::text AS channel_uuid, ch.tps
FROM msgs m JOIN contacts c ON c.id = m.contact_id
JOIN channels ch ON ch.id = m.channel_id AND ch.is_active
JOIN contact_urns u ON u.id = m.contact_urn_id
WHERE m.id = ANY(:ids)
ORDER BY m.id
"""


def interval() -> float:
    """Seconds between two runs of each of these crons (RECOVERY_CRON_SECONDS)."""
    return get_settings().recovery_cron_seconds


async def _claim_outgoing(db: AsyncSession, status: str, older_than: float) -> list[Any]:
    """Outgoing messages in `status` untouched for `older_than` seconds, up to LIMIT, made Q (about to be
    pushed) and touched so the next sweep skips them, and locked against a concurrent sweep; their rows as
    _SELECT reads them."""
    ids = (
        (
            await db.execute(
                text(
                    f"""
                UPDATE msgs SET status = 'Q', modified_on = now() WHERE id IN (
                    SELECT id FROM msgs WHERE direction = 'O' AND status = :status
                      AND modified_on < now() - make_interval(secs => :older_than) ORDER BY id LIMIT {LIMIT}
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """
                ),
                {"status": status, "older_than": older_than},
            )
        )
        .scalars()
        .all()
    )
    return list((await db.execute(text(_SELECT), {"ids": list(ids)})).all()) if ids else []


async def requeue_stuck() -> int:
    """Returns how many messages were queued again."""
    async with transaction() as db:
        rows = await _claim_outgoing(db, "I", get_settings().stuck_msg_seconds)
    await queue_outgoing(_batches(rows))
    if rows:
        log.info("requeued stuck messages", extra={"count": len(rows)})
    return len(rows)


async def retry_errored() -> int:
    """Errored messages due a retry become Q (claimed) and are queued; returns how many."""
    async with transaction() as db:
        ids = (
            (
                await db.execute(
                    text(
                        f"""
                    UPDATE msgs SET status = 'Q', next_attempt = NULL, modified_on = now() WHERE id IN (
                        SELECT id FROM msgs WHERE status = 'E' AND direction = 'O' AND next_attempt <= now()
                        ORDER BY next_attempt LIMIT {LIMIT} FOR UPDATE SKIP LOCKED)
                    RETURNING id
                    """
                    )
                )
            )
            .scalars()
            .all()
        )
        rows = (await db.execute(text(_SELECT), {"ids": list(ids)})).all() if ids else []
    await queue_outgoing(_batches(rows, resend=True))
    return len(rows)


def _batches(rows: Sequence[Any], resend: bool = False) -> list[Outgoing]:
    """One courier item per contact and channel, messages in id order so they go out in order."""
    grouped: dict[tuple[int, str], Outgoing] = {}
    for r in rows:
        batch = grouped.setdefault(
            (r.contact_id, r.channel_uuid), Outgoing(r.channel_uuid, r.tps, r.high_priority)
        )
        batch.msgs.append(
            {
                "id": r.id,
                "uuid": r.uuid,
                "org_id": r.org_id,
                "channel_uuid": r.channel_uuid,
                "contact": {"id": r.contact_id, "uuid": r.contact_uuid},
                "urn": r.identity,
                "urn_id": r.urn_id,
                "text": r.text,
                "attachments": list(r.attachments or []),
                "quick_replies": for_courier(r.quick_replies),  # typed ones as dicts
                "locale": r.locale,
                "high_priority": r.high_priority,
                "origin": "broadcast" if r.broadcast_id else ("flow" if r.flow_id else "chat"),
                "created_on": r.created_on.isoformat(),
                "is_resend": resend,
                "tps_cost": 1,
            }
        )
    return list(grouped.values())


async def queue_pending() -> int:
    """Push start_flow / send_broadcast for pending rows; returns how many tasks were pushed."""
    async with transaction() as db:
        # modified_on is bumped so the next run leaves them alone for another minute
        starts = (
            await db.execute(
                text(
                    """
                    UPDATE flow_starts SET modified_on = now() WHERE id IN (
                        SELECT id FROM flow_starts WHERE status = 'P'
                          AND ((start_type = 'F' AND modified_on = created_on) OR modified_on < now() - interval '1 minute')
                        LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id
                    """
                )
            )
        ).all()
        bcasts = (
            await db.execute(
                text(
                    """
                    UPDATE broadcasts SET modified_on = now() WHERE id IN (
                        SELECT id FROM broadcasts WHERE status = 'P' AND schedule IS NULL AND is_active
                          AND (modified_on = created_on OR modified_on < now() - interval '1 minute')
                        LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id
                    """
                )
            )
        ).all()
        starts, bcasts = list(starts), list(bcasts)
        # split jobs with batches still not done after a while (a batch task failed, or was lost): the parent
        # task queues the unfinished batches again, and done ones are never redone
        starts += (
            await db.execute(
                text(
                    """
                    UPDATE flow_starts SET modified_on = now() WHERE id IN (
                        SELECT id FROM flow_starts WHERE status IN ('Q', 'S') AND modified_on < now() - make_interval(secs => :stalled)
                        LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id
                    """
                ),
                {"stalled": get_settings().stalled_job_seconds},
            )
        ).all()
        bcasts += (
            await db.execute(
                text(
                    """
                    UPDATE broadcasts SET modified_on = now() WHERE id IN (
                        SELECT id FROM broadcasts WHERE status IN ('Q', 'S') AND modified_on < now() - make_interval(secs => :stalled)
                        LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id
                    """
                ),
                {"stalled": get_settings().stalled_job_seconds},
            )
        ).all()
    redis = get_redis()
    for s in starts:
        await queue_task(redis, s.org_id, StartFlow(start_id=s.id))
    for b in bcasts:
        await queue_task(redis, b.org_id, SendBroadcast(broadcast_id=b.id))
    return len(starts) + len(bcasts)


_PENDING_INCOMING = f"""
WITH due AS (
    UPDATE msgs SET modified_on = now() WHERE id IN (
        SELECT id FROM msgs WHERE direction = 'I' AND status = 'P' AND modified_on < now() - make_interval(secs => :after)
        ORDER BY modified_on LIMIT {LIMIT} FOR UPDATE SKIP LOCKED)
    RETURNING id, uuid, org_id, contact_id, contact_urn_id, channel_id, text, attachments, external_id
)
SELECT d.id, d.uuid::text, d.org_id, d.contact_id, d.contact_urn_id, d.channel_id, d.text, d.attachments,
       d.external_id, ch.uuid::text AS channel_uuid, u.identity
FROM due d JOIN channels ch ON ch.id = d.channel_id JOIN contact_urns u ON u.id = d.contact_urn_id
ORDER BY d.id
"""


async def retry_incoming() -> int:
    """Queue msg_received again for incoming messages pending too long; returns how many."""
    async with transaction() as db:
        rows = (
            await db.execute(text(_PENDING_INCOMING), {"after": get_settings().pending_incoming_seconds})
        ).all()
    redis = get_redis()
    for r in rows:
        await queue_contact_event(redis, r.org_id, r.contact_id, "msg_received", {
            "channel_id": r.channel_id, "channel_uuid": r.channel_uuid, "msg_id": r.id, "msg_uuid": r.uuid,
            "msg_external_id": r.external_id or "", "urn": r.identity, "urn_id": r.contact_urn_id, "text": r.text,
            "attachments": list(r.attachments or []), "new_contact": False,
        })  # fmt: skip
    if rows:
        log.warning("pending incoming messages handed to mailroom again", extra={"count": len(rows)})
    return len(rows)


async def sweep_queued() -> tuple[int, int]:
    """Returns (queued again, failed)."""
    async with transaction() as db:
        rows = await _claim_outgoing(db, "Q", get_settings().queued_msg_seconds)
        redis = get_redis()
        sending = await redis.mget([sending_key(r.uuid) for r in rows]) if rows else []
        died = [r.id for r, mark in zip(rows, sending, strict=True) if mark]
        if died:
            await db.execute(
                text(
                    "UPDATE msgs SET status = 'F', failed_reason = 'E', modified_on = now() WHERE id = ANY(:ids)"
                ),
                {"ids": died},
            )
    lost = [r for r, mark in zip(rows, sending, strict=True) if not mark]
    await queue_outgoing(_batches(lost))
    if rows:
        log.warning("queued messages swept", extra={"queued_again": len(lost), "failed": len(died)})
    return len(lost), len(died)
