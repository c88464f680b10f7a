"""ctask `msg_received`: a message courier stored. Starts the flow of a matching trigger, resumes the
contact's waiting session, or leaves the message in the inbox.

    {"type": "msg_received", "task": {"channel_id": 3, "channel_uuid": "…", "msg_id": 12, "msg_uuid": "…",
     "msg_external_id": "ext1", "urn": "tel:+250788123123", "urn_id": 5, "text": "join",
     "attachments": [], "new_contact": true}}
"""

import logging
from typing import Any

from sqlalchemy import text

from mailroom import runner, triggers
from mailroom.contacts import load_contacts
from mailroom.outbox import queue_outgoing
from mailroom.persist import commit_sprints
from mailroom.scene import load_org_scene, waiting_session
from upesi.db.engine import transaction

log = logging.getLogger(__name__)


async def handle(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    outgoing = []
    async with transaction() as db:
        # contact, channel, whether this message was already handled and the contact's groups, in one trip
        row = (
            await db.execute(
                text(
                    """
                    SELECT c.status, c.is_active, ch.id AS channel_id, ch.uuid::text AS channel_uuid,
                           ch.name AS channel_name, ch.is_active AS channel_active,
                           (SELECT status FROM msgs WHERE uuid = CAST(:u AS uuid)) AS msg_status,
                           ARRAY(SELECT group_id FROM contact_group_contacts WHERE contact_id = c.id) AS group_ids
                    FROM contacts c LEFT JOIN channels ch ON ch.id = :ch AND ch.org_id = :org
                    WHERE c.id = :c AND c.org_id = :org
                    """
                ),
                {"c": contact_id, "org": org_id, "ch": task.get("channel_id"), "u": task["msg_uuid"]},
            )
        ).first()
        if row is None or not row.is_active:
            log.info("message for a missing or deleted contact ignored", extra={"contact_id": contact_id})
            return
        if (
            row.msg_status == "H"
        ):  # redelivered after a crash: already done, in the same transaction as its effects
            return
        await _mark_seen(db, contact_id, task, row.channel_id)
        if row.status == "S":  # a stopped contact who writes again is active again
            await db.execute(text("UPDATE contacts SET status = 'A' WHERE id = :id"), {"id": contact_id})
        if row.status == "B" or row.channel_id is None or not row.channel_active:
            await _mark_handled(db, task, flow_uuid=None)
            return

        scene = await load_org_scene(db, org_id)
        waiting = await waiting_session(db, contact_id)
        if waiting is not None and waiting.session_type == "V":
            await _mark_handled(db, task, flow_uuid=None)
            return
        if waiting is not None and not waiting.flow_active:
            await db.execute(
                text("UPDATE flow_sessions SET status = 'F', ended_on = now() WHERE id = :id"),
                {"id": waiting.id},
            )
            waiting = None

        org_triggers = scene.triggers
        groups = set(row.group_ids)
        msg = {
            "uuid": task["msg_uuid"],
            "urn": task["urn"],
            "channel": {"uuid": row.channel_uuid, "name": row.channel_name},
            "text": task.get("text") or "",
            "attachments": task.get("attachments") or [],
        }
        if task.get("msg_external_id"):
            msg["external_id"] = task["msg_external_id"]

        keyword = triggers.match_keyword(org_triggers, msg["text"], row.channel_id, groups)
        trigger: triggers.TriggerRow | None = None
        if keyword and (waiting is None or not waiting.ignore_triggers):
            trigger = keyword[0]
        elif waiting is None:
            trigger = triggers.match_type(org_triggers, "C", row.channel_id, groups)

        contacts = await load_contacts(db, org_id, [contact_id])
        sprints = []
        if trigger is not None:
            flow_ref = {"uuid": trigger.flow_uuid, "name": trigger.flow_name}
            engine_trigger = runner.msg_trigger(
                flow_ref, msg, keyword[1] if keyword and trigger is keyword[0] else None, trigger.match_type
            )
            sprints = await runner.start_sessions(
                scene.engine_assets, scene.environment, [(contact_id, contacts[contact_id], engine_trigger)]
            )
        elif waiting is not None:
            session_json = dict(waiting.output, contact=contacts[contact_id])
            sprints = [
                await runner.resume_session(
                    scene.engine_assets, scene.environment, contact_id, session_json, runner.msg_resume(msg)
                )
            ]
        if sprints:
            outgoing = await commit_sprints(
                db, org_id, sprints, high_priority=True, response_to_external_id=task.get("msg_external_id")
            )
            runs = sprints[0].session.get("runs") or []
            await _mark_handled(db, task, flow_uuid=runs[0]["flow"]["uuid"] if runs else None)
        else:
            await _mark_handled(db, task, flow_uuid=None)
    await queue_outgoing(outgoing)


async def _mark_seen(db, contact_id: int, task: dict[str, Any], channel_id: int | None) -> None:  # type: ignore[no-untyped-def]
    """The URN the message came in on becomes the contact's preferred one, with affinity to the channel,
    and the contact was last seen now."""
    await db.execute(
        text(
            """
            WITH seen AS (UPDATE contacts SET last_seen_on = now() WHERE id = :c)
            UPDATE contact_urns u SET channel_id = COALESCE(:ch, u.channel_id),
                priority = CASE WHEN u.priority < m.top THEN m.top + 1 ELSE u.priority END
            FROM (SELECT MAX(priority) AS top FROM contact_urns WHERE contact_id = :c) m
            WHERE u.id = :u AND u.contact_id = :c
            """
        ),
        {"c": contact_id, "u": task.get("urn_id"), "ch": channel_id},
    )


async def _mark_handled(db, task: dict[str, Any], flow_uuid: str | None) -> None:  # type: ignore[no-untyped-def]
    await db.execute(
        text(
            """
            UPDATE msgs SET status = 'H', modified_on = now(),
                flow_id = (SELECT id FROM flows WHERE uuid = CAST(:f AS uuid) AND org_id = msgs.org_id)
            WHERE uuid = CAST(:u AS uuid)
            """
        ),
        {"f": flow_uuid, "u": task["msg_uuid"]},
    )
