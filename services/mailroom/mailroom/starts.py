"""Flow starts: resolving a start's recipients into stored batches, and starting one batch of contacts.

A start's status: P pending, Q queued (split into batches), S started (some batches done), C completed,
F failed. contacts_done counts the contacts of finished batches, so the web can show progress."""

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import batches, runner
from mailroom.contacts import load_contacts
from mailroom.followups import FLOW_ACTION
from mailroom.ivr.outgoing import create_calls, is_voice, place_calls
from mailroom.locks import lock_contacts, unlock_contacts
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing, commit_sprints
from mailroom.recipients import Exclusions, Recipients, resolve
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction
from upesi.queues.redis import get_redis
from upesi.queues.tasks import StartFlowBatch

BATCH_SIZE = 100  # as the reference's mailroom
LOCK_WAIT_SECONDS = 60.0  # bulk starts wait up to a minute for a contact busy with an event
ORIGINS = {"A": "api", "Z": "zapier", "M": "ui", "T": "trigger", "F": "flow"}
log = logging.getLogger(__name__)


@dataclass
class StartRow:
    id: int
    org_id: int
    flow_id: int
    flow_uuid: str
    flow_name: str
    flow_active: bool
    start_type: str
    status: str
    params: dict[str, Any]
    restart_participants: bool
    exclude_active: bool
    contact_count: int | None


async def load_start(db: AsyncSession, org_id: int, start_id: int, lock: bool = False) -> StartRow | None:
    row = (
        await db.execute(
            text(
                f"""
                SELECT s.id, s.org_id, s.flow_id, f.uuid::text AS flow_uuid, f.name AS flow_name,
                       f.is_active AND NOT f.is_archived AS flow_active, s.start_type, s.status, s.params,
                       s.restart_participants, s.exclude_active, s.contact_count
                FROM flow_starts s JOIN flows f ON f.id = s.flow_id
                WHERE s.id = :id AND s.org_id = :org {"FOR UPDATE OF s" if lock else ""}
                """
            ),
            {"id": start_id, "org": org_id},
        )
    ).first()
    return StartRow(**row._mapping) if row else None


async def split_start(org_id: int, start_id: int) -> None:
    """Resolve the start's recipients and queue its batches. A redelivered task re-queues the batches
    not yet done from the stored split (batch tasks are idempotent)."""
    async with transaction() as db:
        start = await load_start(db, org_id, start_id, lock=True)
        if start is None or start.status in ("C", "F", "I"):
            return
        todo = await batches.pending(db, batches.START, start_id)
        if todo is None:
            if not start.flow_active:
                await _set_status(db, start_id, "F", 0)
                return
            contact_ids = await resolve(db, org_id, *await _recipients(db, start))
            split = await batches.store(db, batches.START, start_id, contact_ids, BATCH_SIZE)
            await _set_status(db, start_id, "Q" if contact_ids else "C", len(contact_ids))
            todo = list(enumerate(split))
    await batches.queue_batches(
        org_id, [StartFlowBatch(start_id=start_id, batch_index=i, contact_ids=ids) for i, ids in todo]
    )


async def _recipients(db: AsyncSession, start: StartRow) -> tuple[Recipients, Exclusions]:
    row = (
        await db.execute(
            text(
                """
                SELECT ARRAY(SELECT contact_id FROM flow_start_contacts WHERE start_id = :id) AS contact_ids,
                       ARRAY(SELECT group_id FROM flow_start_groups WHERE start_id = :id) AS group_ids,
                       ARRAY(SELECT group_id FROM flow_start_exclude_groups WHERE start_id = :id) AS excluded,
                       urns, query
                FROM flow_starts WHERE id = :id
                """
            ),
            {"id": start.id},
        )
    ).one()
    recipients = Recipients(list(row.contact_ids), list(row.group_ids), list(row.urns or []), row.query)
    exclusions = Exclusions(
        in_a_flow=start.exclude_active,
        started_flow_id=None if start.restart_participants else start.flow_id,
        group_ids=list(row.excluded),
    )
    return recipients, exclusions


async def _set_status(db: AsyncSession, start_id: int, status: str, count: int) -> None:
    await db.execute(
        text("UPDATE flow_starts SET status = :s, contact_count = :n, modified_on = now() WHERE id = :id"),
        {"s": status, "n": count, "id": start_id},
    )


def manual_trigger(start: StartRow) -> dict[str, Any]:
    """The engine trigger for a started contact; params are @trigger.params."""
    trigger: dict[str, Any] = {
        "type": "manual",
        "flow": {"uuid": start.flow_uuid, "name": start.flow_name},
        "triggered_on": runner.now_iso(),
        "origin": ORIGINS.get(start.start_type, "api"),
    }
    params = dict(start.params or {})
    parent = params.pop(FLOW_ACTION, None)
    if parent and parent.get("run_summary"):
        # started by another flow's start_session action: @parent is that run
        trigger.update(
            type="flow_action", run_summary=parent["run_summary"], history=parent.get("history") or {}
        )
    if params:
        trigger["params"] = params
    return trigger


async def start_batch(org_id: int, start_id: int, index: int, contact_ids: list[int]) -> list[int]:
    """Start one batch of a start's contacts. Contacts still locked after LOCK_WAIT_SECONDS (busy with an
    event, or locked by a worker that was killed: its locks last CONTACT_LOCK_SECONDS) are not skipped: they
    become a new batch of the same start, queued again, so the start completes only when every contact has
    been started. Returns the contacts left for that new batch."""
    redis = get_redis()
    tokens, locked_out = await lock_contacts(redis, org_id, contact_ids, LOCK_WAIT_SECONDS)
    outgoing: list[Outgoing] = []
    call_ids: list[int] = []  # a voice flow's calls, placed once the batch has committed
    retry: int | None = None
    try:
        async with transaction() as db:
            if not await batches.claim(db, batches.START, start_id, index):
                return []  # a redelivered task: this batch already committed
            start = await load_start(db, org_id, start_id)
            if start is None:
                return []
            # the claim above is what makes a batch start its contacts once: a contact is in one batch only
            ids = sorted(tokens)
            running = start.flow_active and start.status not in ("F", "I")
            if ids and running:
                outgoing = await _start_contacts(db, org_id, start, ids, call_ids)
            later = locked_out if running else []
            await db.execute(
                text(
                    """
                    UPDATE flow_starts SET contacts_done = contacts_done + :n,
                        status = CASE WHEN contacts_done + :n >= COALESCE(contact_count, 0) THEN 'C' ELSE 'S' END,
                        modified_on = now()
                    WHERE id = :id AND status IN ('Q', 'S')
                    """
                ),
                {"n": len(contact_ids) - len(later), "id": start_id},
            )
            if later:
                retry = await batches.add(db, batches.START, start_id, later)
        await queue_outgoing(outgoing)
        await place_calls(call_ids)
        if retry is not None:
            log.warning(
                "flow start contacts still locked: queued again",
                extra={"start_id": start_id, "contacts": later},
            )
            await batches.queue_batches(
                org_id, [StartFlowBatch(start_id=start_id, batch_index=retry, contact_ids=later)]
            )
    finally:
        await unlock_contacts(redis, org_id, tokens)
    return later if retry is not None else []


async def _start_contacts(
    db: AsyncSession, org_id: int, start: StartRow, contact_ids: list[int], call_ids: list[int]
) -> list[Outgoing]:
    scene = await load_org_scene(db, org_id)
    if is_voice(scene.assets, start.flow_uuid):
        # a voice flow runs when each contact answers the call placed for them (mailroom.ivr)
        call_ids += await create_calls(db, org_id, contact_ids, manual_trigger(start), start.id)
        return []
    contacts = await load_contacts(db, org_id, contact_ids, scene.field_keys)
    starts = [(cid, contacts[cid], manual_trigger(start)) for cid in contact_ids if cid in contacts]
    try:
        sprints = await runner.start_sessions(scene.assets, scene.environment, starts, start_id=start.id)
    except Exception:
        # one contact the engine can't start must not hold back the other 24: start them one by one
        log.exception("batch start failed, starting contacts one at a time", extra={"start_id": start.id})
        sprints = []
        for one in starts:
            try:
                sprints += await runner.start_sessions(
                    scene.assets, scene.environment, [one], start_id=start.id
                )
            except Exception:
                log.exception(
                    "contact could not be started", extra={"start_id": start.id, "contact_id": one[0]}
                )
    return await commit_sprints(db, org_id, sprints, scene=scene)
