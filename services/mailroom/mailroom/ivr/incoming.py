"""An incoming call: the caller becomes (or is found as) a contact, the call is recorded, and the
workspace's inbound-call trigger (type V) that best matches the channel and the contact's groups starts
its flow. With no such trigger the call is missed: a mo_miss channel event is stored and queued, so a
missed-call trigger (type M) can start a messaging flow, and the provider is answered with nothing (it
hangs up)."""

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import runner, triggers
from mailroom.ivr import calls, sessions
from mailroom.ivr.services import ChannelInfo, IVRService, ServiceError
from mailroom.persist import Outgoing
from mailroom.scene import load_org_scene
from upesi.db.ops.contacts import resolve_contacts
from upesi.queues.contacts import queue_contact_event
from upesi.queues.redis import get_redis
from upesi.urns import parse_urn

INBOUND_CALL_TRIGGER = "V"


@dataclass
class Answered:
    call_id: int | None
    call_uuid: str
    ran: sessions.Ran | None
    note: str = ""
    outgoing: list[Outgoing] = field(default_factory=list)
    missed: tuple[int, int, dict[str, Any]] | None = None  # (org, contact, event_received task) to queue


async def queue_missed(answered: Answered) -> None:
    """After the commit: event_received must find the channel event stored."""
    if answered.missed is not None:
        org_id, contact_id, task = answered.missed
        await queue_contact_event(get_redis(), org_id, contact_id, "event_received", task)


async def answer(db: AsyncSession, channel: ChannelInfo, svc: IVRService, form: dict[str, str]) -> Answered:
    caller, external_id = svc.caller(form), svc.call_id(form)
    if not caller:
        raise ServiceError("no Caller or From parameter found in request")
    if not external_id:
        raise ServiceError("unable to get external id from request")
    try:
        urn = parse_urn(f"tel:{caller}", channel.country)
    except ValueError as e:
        raise ServiceError(f"unable to find URN in request: {e}") from e
    resolved = (await resolve_contacts(db, channel.org_id, [urn], channel.id))[urn.identity]
    [call_id] = await calls.insert_calls(
        db,
        [{"org_id": channel.org_id, "channel_id": channel.id, "contact_id": resolved.contact_id,
          "contact_urn_id": resolved.urn_id, "direction": "I", "status": "I", "external_id": external_id}],
    )  # fmt: skip
    [call] = await calls.get_by_ids(db, [call_id])
    scene = await load_org_scene(db, channel.org_id)
    groups = await _groups(db, resolved.contact_id)
    trigger = triggers.match_type(scene.triggers, INBOUND_CALL_TRIGGER, channel.id, groups)
    if trigger is None or not await _active(db, resolved.contact_id):
        task = await _missed(db, channel, resolved.contact_id, resolved.urn_id, resolved.new_contact)
        await calls.update_status(db, call.id, "D")
        return Answered(
            call.id,
            call.uuid,
            None,
            "missed call handled",
            missed=(channel.org_id, resolved.contact_id, task),
        )
    engine_trigger: dict[str, Any] = {
        "type": "channel",
        "flow": {"uuid": trigger.flow_uuid, "name": trigger.flow_name},
        "event": {"type": "incoming_call", "channel": {"uuid": channel.uuid, "name": channel.name}},
        "triggered_on": runner.now_iso(),
    }
    ran = await sessions.start(db, channel.org_id, channel, call, urn.identity, engine_trigger)
    await calls.set_in_progress(db, call.id, ran.sprint.session["uuid"])
    return Answered(call.id, call.uuid, ran, outgoing=ran.outgoing)


async def _groups(db: AsyncSession, contact_id: int) -> set[int]:
    q = "SELECT group_id FROM contact_group_contacts WHERE contact_id = :c"
    return {r.group_id for r in await db.execute(text(q), {"c": contact_id})}


async def _active(db: AsyncSession, contact_id: int) -> bool:
    q = "SELECT status = 'A' AND is_active FROM contacts WHERE id = :c"
    return bool((await db.execute(text(q), {"c": contact_id})).scalar())


async def _missed(
    db: AsyncSession, channel: ChannelInfo, contact_id: int, urn_id: int, new: bool
) -> dict[str, Any]:
    """A mo_miss channel event, stored as courier stores one; returns its event_received task."""
    event_uuid, now = str(uuidlib.uuid4()), datetime.now(UTC)
    event_id = (
        await db.execute(
            text(
                """INSERT INTO channel_events (uuid, org_id, channel_id, event_type, contact_id, contact_urn_id,
                                              extra, status, occurred_on)
                   VALUES (CAST(:u AS uuid), :o, :ch, 'mo_miss', :c, :urn, '{}'::jsonb, 'P', :now) RETURNING id"""
            ),
            {
                "u": event_uuid,
                "o": channel.org_id,
                "ch": channel.id,
                "c": contact_id,
                "urn": urn_id,
                "now": now,
            },
        )
    ).scalar_one()
    return {"event_id": event_id, "event_uuid": event_uuid, "event_type": "mo_miss", "channel_id": channel.id,
            "urn_id": urn_id, "extra": {}, "new_contact": new, "occurred_on": now.isoformat()}  # fmt: skip
