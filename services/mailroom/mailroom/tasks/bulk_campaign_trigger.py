"""Task `bulk_campaign_trigger` (tasks:throttled, high priority): do a campaign event for up to 100
contacts whose fires came due: send its message, or start its flow.

    {"type": "bulk_campaign_trigger", "task": {"event_id": 4, "fire_version": 1, "fire_ids": [88, 89],
     "claim": "0b5e…"}}

A flow event starts its flow in the event's start mode, as the reference does:

- I interrupt: the flow starts for every contact, interrupting the session the contact waits in;
- S skip: contacts waiting in a session are left alone (their fire is spent), the others start;
- P passive: the flow starts for every contact without interrupting: a contact waiting in a session still
  waits in it (its timeout and expiration stand) once the campaign's session has ended. A campaign session
  that itself waits replaces the old one, since a contact waits in one session at a time.

The fires are deleted in the transaction that does the work, and only fires still as the cron claimed
them are done: a redelivered task, or a fire rescheduled since (the contact's date changed), does
nothing. A fire of an older event version, or of an event deleted or archived since, is dropped.
"""

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import runner
from mailroom.broadcasts import compose
from mailroom.contacts import load_contacts
from mailroom.ivr.outgoing import create_calls, is_voice, place_calls
from mailroom.locks import lock_contacts, unlock_contacts
from mailroom.messages import Templates, destinations, insert_msgs
from mailroom.outbox import queue_outgoing
from mailroom.persist import SESSION_STATUS, Outgoing, commit_sprints
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from upesi.queues.tasks import BulkCampaignTrigger

TASK = BulkCampaignTrigger
LOCK_WAIT_SECONDS = 10.0
RETRY_LOCKED_AFTER = timedelta(minutes=1)
log = logging.getLogger(__name__)


async def handle(org_id: int, body: dict[str, Any]) -> None:
    task = BulkCampaignTrigger.decode(body)
    event_id, version, fire_ids, claim = task.event_id, task.fire_version, task.fire_ids, task.claim
    event = await _load_event(org_id, event_id)
    redis = get_redis()
    tokens: dict[int, str] = {}
    if event is not None and event.event_type == "F":
        # a flow start touches the contact's session: hold the contacts' locks, as handling their events does
        candidates = await _fire_contacts(fire_ids, claim)
        tokens, skipped = await lock_contacts(redis, org_id, candidates, LOCK_WAIT_SECONDS)
        if skipped:
            log.warning(
                "campaign fires postponed: contacts locked", extra={"event_id": event_id, "contacts": skipped}
            )
    outgoing: list[Outgoing] = []
    call_ids: list[int] = []  # a voice flow's calls, placed once the fires have committed
    try:
        async with transaction() as db:
            locked = set(tokens) if event is not None and event.event_type == "F" else None
            contact_ids = await _claim(db, fire_ids, claim, locked)
            if locked is not None:
                await _postpone(db, org_id, fire_ids, claim)
            if event is None or event.fire_version != version or not contact_ids:
                return  # stale: the claimed fires are gone and nothing is done
            contact_ids = await _active(db, contact_ids)
            if event.event_type == "M":
                outgoing = await _send_message(db, org_id, event, contact_ids)
            else:
                outgoing = await _start_flow(db, org_id, event, contact_ids, call_ids)
        await queue_outgoing(outgoing)
        await place_calls(call_ids)
    finally:
        await unlock_contacts(redis, org_id, tokens)


async def _load_event(org_id: int, event_id: int) -> Any:
    async with transaction() as db:
        return (
            await db.execute(
                text(
                    """
                    SELECT e.id, e.uuid::text, e.event_type, e.fire_version, e.translations, e.base_language,
                           e.start_mode, f.uuid::text AS flow_uuid, f.name AS flow_name,
                           cp.uuid::text AS campaign_uuid, cp.name AS campaign_name
                    FROM campaign_events e JOIN campaigns cp ON cp.id = e.campaign_id
                    LEFT JOIN flows f ON f.id = e.flow_id AND f.is_active AND NOT f.is_archived
                    WHERE e.id = :e AND e.org_id = :org AND e.is_active AND cp.is_active AND NOT cp.is_archived
                      AND (e.event_type = 'M' OR f.id IS NOT NULL)
                    """
                ),
                {"e": event_id, "org": org_id},
            )
        ).first()


async def _fire_contacts(fire_ids: list[int], claim: str) -> list[int]:
    async with transaction() as db:
        rows = await db.execute(
            text(
                "SELECT contact_id FROM contact_fires WHERE id = ANY(:ids) AND sprint_uuid = CAST(:claim AS uuid)"
            ),
            {"ids": fire_ids, "claim": claim},
        )
        return sorted(set(rows.scalars()))


async def _claim(db: AsyncSession, fire_ids: list[int], claim: str, only: set[int] | None) -> list[int]:
    rows = await db.execute(
        text(
            """
            DELETE FROM contact_fires WHERE id = ANY(:ids) AND sprint_uuid = CAST(:claim AS uuid)
              AND (CAST(:only AS bigint[]) IS NULL OR contact_id = ANY(CAST(:only AS bigint[])))
            RETURNING contact_id
            """
        ),
        {"ids": fire_ids, "claim": claim, "only": sorted(only) if only is not None else None},
    )
    return sorted(set(rows.scalars()))


async def _postpone(db: AsyncSession, org_id: int, fire_ids: list[int], claim: str) -> None:
    """Fires of contacts that stayed locked (the claimed ones are deleted by now) are tried again a minute
    from now."""
    await db.execute(
        text(
            """
            UPDATE contact_fires SET fire_on = now() + :later, sprint_uuid = NULL
            WHERE id = ANY(:ids) AND sprint_uuid = CAST(:claim AS uuid) AND org_id = :org
            """
        ),
        {"ids": fire_ids, "claim": claim, "org": org_id, "later": RETRY_LOCKED_AFTER},
    )


async def _active(db: AsyncSession, contact_ids: list[int]) -> list[int]:
    rows = await db.execute(
        text("SELECT id FROM contacts WHERE id = ANY(:ids) AND is_active AND status = 'A' ORDER BY id"),
        {"ids": contact_ids},
    )
    return list(rows.scalars())


async def _send_message(db: AsyncSession, org_id: int, event: Any, contact_ids: list[int]) -> list[Outgoing]:
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, contact_ids, scene.field_keys)
    templates = Templates(scene.assets, scene.environment)
    translations = event.translations or {}
    if not translations:
        return []
    base = event.base_language or next(iter(translations))
    msgs = [compose(templates, translations, base, contacts[c]) for c in contact_ids if c in contacts]
    return await insert_msgs(
        db, org_id, msgs, await destinations(db, org_id, contact_ids), origin="broadcast"
    )


async def _start_flow(
    db: AsyncSession, org_id: int, event: Any, contact_ids: list[int], call_ids: list[int]
) -> list[Outgoing]:
    if event.start_mode == "S":  # skip contacts already in a flow
        rows = await db.execute(
            text("SELECT id FROM contacts WHERE id = ANY(:ids) AND current_session_uuid IS NULL ORDER BY id"),
            {"ids": contact_ids},
        )
        contact_ids = list(rows.scalars())
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, contact_ids, scene.field_keys)
    trigger = {
        "type": "campaign",
        "flow": {"uuid": event.flow_uuid, "name": event.flow_name},
        # the engine's campaign_fired event shape (goflow reads a campaign trigger's event as one)
        "event": {
            "uuid": str(uuid.uuid4()),
            "type": "campaign_fired",
            "created_on": runner.now_iso(),
            "campaign": {"uuid": event.campaign_uuid, "name": event.campaign_name},
            "point_uuid": event.uuid,
        },
        "triggered_on": runner.now_iso(),
    }
    if is_voice(scene.assets, event.flow_uuid):
        # a voice flow runs when each contact answers the call placed for them (mailroom.ivr)
        call_ids += await create_calls(db, org_id, [c for c in contact_ids if c in contacts], trigger, None)
        return []
    starts = [(c, contacts[c], trigger) for c in contact_ids if c in contacts]
    sprints = await runner.start_sessions(scene.assets, scene.environment, starts)
    if event.start_mode != "P":
        return await commit_sprints(db, org_id, sprints, scene=scene)
    ended = [s for s in sprints if SESSION_STATUS.get(s.status) != "W"]
    for s in ended:
        s.interrupts_waiting = False
    kept = await _waiting_state(db, [s.contact_id for s in ended])
    outgoing = await commit_sprints(db, org_id, sprints, scene=scene)
    await _restore_waiting_state(db, kept)
    return outgoing


async def _waiting_state(db: AsyncSession, contact_ids: list[int]) -> dict[str, Any]:
    """What committing a sprint resets for its contact and a passive start must keep: the pointer to the
    session the contact waits in, and that session's timeout and expiration fires."""
    if not contact_ids:
        return {"contacts": [], "fires": []}
    contacts = await db.execute(
        text(
            """
            SELECT id, current_session_uuid::text AS session, current_flow_id AS flow FROM contacts
            WHERE id = ANY(:ids) AND current_session_uuid IS NOT NULL
            """
        ),
        {"ids": contact_ids},
    )
    fires = await db.execute(
        text(
            """
            SELECT org_id, contact_id, fire_type, scope, session_uuid::text AS session, sprint_uuid::text AS sprint,
                   fire_on::text AS fire_on
            FROM contact_fires WHERE contact_id = ANY(:ids) AND fire_type IN ('T', 'E')
            """
        ),
        {"ids": contact_ids},
    )
    return {"contacts": [dict(r._mapping) for r in contacts], "fires": [dict(r._mapping) for r in fires]}


async def _restore_waiting_state(db: AsyncSession, kept: dict[str, Any]) -> None:
    if kept["contacts"]:
        await db.execute(
            text(
                """
                UPDATE contacts c SET current_session_uuid = CAST(r->>'session' AS uuid),
                    current_flow_id = (r->>'flow')::bigint
                FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r
                WHERE c.id = (r->>'id')::bigint
                """
            ),
            {"rows": json.dumps(kept["contacts"])},
        )
    if kept["fires"]:
        await db.execute(
            text(
                """
                INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, session_uuid, sprint_uuid, fire_on)
                SELECT (f->>'org_id')::bigint, (f->>'contact_id')::bigint, f->>'fire_type', f->>'scope',
                       CAST(f->>'session' AS uuid), CAST(f->>'sprint' AS uuid), (f->>'fire_on')::timestamptz
                FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS f
                ON CONFLICT (contact_id, fire_type, scope) DO UPDATE SET session_uuid = EXCLUDED.session_uuid,
                    sprint_uuid = EXCLUDED.sprint_uuid, fire_on = EXCLUDED.fire_on
                """
            ),
            {"rows": json.dumps(kept["fires"])},
        )
