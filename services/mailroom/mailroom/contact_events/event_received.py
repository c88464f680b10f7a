"""ctask `event_received`: a channel event courier stored (stop_contact, new_conversation, referral,
mo_miss, optin, optout).

    {"type": "event_received", "task": {"event_id": 4, "event_uuid": "…", "event_type": "stop_contact",
     "channel_id": 3, "urn_id": 5, "extra": {}, "new_contact": false, "occurred_on": "2026-11-23T06:00:00Z"}}

As the reference does:
- stop_contact stops the contact, who leaves its flows;
- new_conversation and referral make a stopped contact active again;
- mo_miss, new_conversation and referral fire the workspace's missed-call (M), new-conversation (N) or
  referral (R) trigger that best matches the channel and the contact's groups (a referral trigger for the
  event's referrer_id first, then one with no referrer); the trigger's flow starts with a channel trigger
  (the event's extra as params), interrupting any session the contact waits in. Blocked and stopped contacts,
  and events on a channel that is gone, start nothing.
The event is marked handled in the same transaction.
"""

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import runner, triggers
from mailroom.contacts import load_contacts
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing, commit_sprints
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction

log = logging.getLogger(__name__)

# channel event type -> (trigger type, the engine's channel trigger event type)
TRIGGERED = {
    "mo_miss": ("M", "missed_call"),
    "new_conversation": ("N", "new_conversation"),
    "referral": ("R", "referral"),
}
UNSTOPPING = ("new_conversation", "referral", "optin")


async def handle(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    event_type = task.get("event_type")
    outgoing: list[Outgoing] = []
    async with transaction() as db:
        if event_type == "stop_contact" or event_type == "optout":
            await _stop(db, org_id, contact_id)
        elif event_type in UNSTOPPING:
            await db.execute(
                text("UPDATE contacts SET status = 'A' WHERE id = :c AND org_id = :o AND status = 'S'"),
                {"c": contact_id, "o": org_id},
            )
        if event_type in TRIGGERED:
            outgoing = await _fire_trigger(db, org_id, contact_id, str(event_type), task)
        elif event_type not in ("stop_contact", "optout", "optin"):
            log.info(
                "channel event with no handling yet",
                extra={"event_type": event_type, "contact_id": contact_id},
            )
        if task.get("event_id"):
            await db.execute(
                text("UPDATE channel_events SET status = 'H' WHERE id = :id"), {"id": task["event_id"]}
            )
    await queue_outgoing(outgoing)


async def _stop(db: AsyncSession, org_id: int, contact_id: int) -> None:
    await db.execute(
        text("UPDATE contacts SET status = 'S', modified_on = now() WHERE id = :c AND org_id = :o"),
        {"c": contact_id, "o": org_id},
    )
    # a stopped contact leaves its flows
    await db.execute(
        text(
            """
            WITH ended AS (
                UPDATE flow_sessions SET status = 'I', ended_on = now()
                WHERE contact_id = :c AND status = 'W' RETURNING uuid
            )
            UPDATE flow_runs SET status = 'I', exited_on = now(), modified_on = now()
            WHERE session_uuid IN (SELECT uuid FROM ended) AND status IN ('A', 'W')
            """
        ),
        {"c": contact_id},
    )
    await db.execute(
        text("UPDATE contacts SET current_session_uuid = NULL, current_flow_id = NULL WHERE id = :c"),
        {"c": contact_id},
    )


async def _fire_trigger(
    db: AsyncSession, org_id: int, contact_id: int, event_type: str, task: dict[str, Any]
) -> list[Outgoing]:
    row = (
        await db.execute(
            text(
                """
                SELECT c.status, c.is_active, ch.id AS channel_id, ch.uuid::text AS channel_uuid,
                       ch.name AS channel_name, ch.is_active AS channel_active,
                       ARRAY(SELECT group_id FROM contact_group_contacts WHERE contact_id = c.id) AS group_ids
                FROM contacts c LEFT JOIN channels ch ON ch.id = :ch AND ch.org_id = :org
                WHERE c.id = :c AND c.org_id = :org
                """
            ),
            {"c": contact_id, "org": org_id, "ch": task.get("channel_id")},
        )
    ).first()
    if row is None or not row.is_active or row.status in ("B", "S"):
        return []
    if row.channel_id is None or not row.channel_active:
        return []
    scene = await load_org_scene(db, org_id)
    trigger_type, engine_event = TRIGGERED[event_type]
    extra = task.get("extra") or {}
    groups = set(row.group_ids)
    if trigger_type == "R":
        trigger = match_referral(scene.triggers, str(extra.get("referrer_id") or ""), row.channel_id, groups)
    else:
        trigger = triggers.match_type(scene.triggers, trigger_type, row.channel_id, groups)
    if trigger is None:
        return []
    engine_trigger: dict[str, Any] = {
        "type": "channel",
        "flow": {"uuid": trigger.flow_uuid, "name": trigger.flow_name},
        "event": {"type": engine_event, "channel": {"uuid": row.channel_uuid, "name": row.channel_name}},
        "triggered_on": runner.now_iso(),
    }
    if extra:
        engine_trigger["params"] = extra
    contacts = await load_contacts(db, org_id, [contact_id], scene.field_keys)
    sprints = await runner.start_sessions(
        scene.engine_assets, scene.environment, [(contact_id, contacts[contact_id], engine_trigger)]
    )
    return await commit_sprints(db, org_id, sprints, high_priority=True, scene=scene)


def match_referral(
    org_triggers: list[triggers.TriggerRow], referrer_id: str, channel_id: int | None, groups: set[int]
) -> triggers.TriggerRow | None:
    """A referral trigger for this referrer if one matches, else one with no referrer."""
    referrals = [t for t in org_triggers if t.trigger_type == "R"]
    if referrer_id:
        specific = [t for t in referrals if (t.referrer_id or "").lower() == referrer_id.lower()]
        if (winner := triggers.best(specific, channel_id, groups)) is not None:
            return winner
    return triggers.best([t for t in referrals if not t.referrer_id], channel_id, groups)
