"""ctask `msg_received`: a message courier stored. Starts the flow of a matching trigger, resumes the
contact's waiting session, or leaves the message in the inbox.

    {"type": "msg_received", "task": {"channel_id": 3, "channel_uuid": "…", "msg_id": 12, "msg_uuid": "…",
     "msg_external_id": "ext1", "urn": "tel:+250788123123", "urn_id": 5, "text": "join",
     "attachments": [], "new_contact": true}}
"""

import logging
from typing import Any

import asyncpg

from mailroom import runner, triggers, ussd
from mailroom.contacts import contact_columns, contact_json
from mailroom.outbox import queue_outgoing
from mailroom.persist import commit_sprints
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.db.raw import asyncpg_of

log = logging.getLogger(__name__)


# The contact (as the engine sees it, see mailroom.contacts), the channel, whether this message was already
# handled, the contact's groups, its waiting session (with whether its flow ignores keyword triggers) and the
# workspace's asset version, in one trip. The same statement marks the contact seen now and makes the URN
# the message came on its preferred one, with affinity to the channel; a redelivered message does that
# again, which changes nothing that matters (last_seen_on moves on). The contact is read from the seen
# update's RETURNING and its URNs through the URN update's (the statement's other reads see the rows as
# they were before it), so the engine gets the contact as these updates leave it; a missing, deleted or
# other workspace's contact gives no row.
_URNS_AFTER_UPDATE = """ARRAY(
    SELECT u.identity || '?id=' || u.id || COALESCE('&channel=' || ch.uuid::text, '')
    FROM contact_urns u LEFT JOIN urn n ON n.id = u.id
    LEFT JOIN channels ch ON ch.id = CASE WHEN n.id IS NULL THEN u.channel_id ELSE n.channel_id END
    WHERE u.contact_id = c.id ORDER BY COALESCE(n.priority, u.priority) DESC, u.id)"""

_STATE = f"""
    WITH seen AS (
        UPDATE contacts SET last_seen_on = now() WHERE id = $1 AND is_active
            AND org_id + 0 = $2  -- not an index condition: by id, whatever the planner's statistics
        RETURNING id, org_id, uuid, name, language, timezone, status, created_on, last_seen_on, fields, is_active
    ), urn AS (
        UPDATE contact_urns u SET channel_id = COALESCE(
                (SELECT id FROM channels WHERE id = $3 AND org_id = $2), u.channel_id),
            priority = CASE WHEN u.priority < m.top THEN m.top + 1 ELSE u.priority END
        FROM (SELECT MAX(priority) AS top FROM contact_urns WHERE contact_id = $1) m
        WHERE u.id = $5 AND u.contact_id = (SELECT id FROM seen)
        RETURNING u.id, u.priority, u.channel_id
    )
    SELECT {contact_columns(_URNS_AFTER_UPDATE)}, c.is_active,
           ch.id AS channel_id, ch.uuid::text AS channel_uuid, ch.name AS channel_name,
           ch.is_active AS channel_active, (SELECT status FROM msgs WHERE uuid = $4::uuid) AS msg_status,
           ARRAY(SELECT group_id FROM contact_group_contacts WHERE contact_id = c.id) AS group_ids,
           s.id AS session_id, s.output, s.session_type, f.ignore_triggers, f.is_active AS flow_active,
           COALESCE((SELECT version FROM org_asset_versions WHERE org_id = $2), 0) AS assets_version
    FROM seen c
    LEFT JOIN channels ch ON ch.id = $3 AND ch.org_id = $2
    LEFT JOIN LATERAL (
        SELECT id, output, session_type, current_flow_id FROM flow_sessions
        WHERE contact_id = c.id AND status = 'W' ORDER BY id DESC LIMIT 1
    ) s ON true
    LEFT JOIN flows f ON f.id = s.current_flow_id
"""


async def handle(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    if await ussd.on_ussd_channel(task.get("channel_id")):  # an input of a USSD session: courier waits
        await ussd.handle(org_id, contact_id, task, _STATE)
        return
    outgoing = []
    async with transaction() as db:
        pg = await asyncpg_of(db)
        row = await pg.fetchrow(
            _STATE, contact_id, org_id, task.get("channel_id"), task["msg_uuid"], task.get("urn_id")
        )
        if row is None or not row["is_active"]:
            log.info("message for a missing or deleted contact ignored", extra={"contact_id": contact_id})
            return
        if row["msg_status"] == "H":
            return  # redelivered after a crash: already done, in the same transaction as its effects
        stopped = row["status"] == "S"
        if stopped:  # a stopped contact who writes again is active again
            await pg.execute("UPDATE contacts SET status = 'A' WHERE id = $1", contact_id)
        if row["status"] == "B" or row["channel_id"] is None or not row["channel_active"]:
            await _mark_handled(pg, task, flow_id=None)
            return

        scene = await load_org_scene(db, org_id, version=row["assets_version"])
        waiting = row if row["session_id"] is not None else None
        if waiting is not None and waiting["session_type"] == "V":
            await _mark_handled(pg, task, flow_id=None)
            return
        if waiting is not None and not waiting["flow_active"]:
            await pg.execute(
                "UPDATE flow_sessions SET status = 'F', ended_on = now() WHERE id = $1", waiting["session_id"]
            )
            waiting = None

        org_triggers = scene.triggers
        groups = set(row["group_ids"])
        msg = {
            "uuid": task["msg_uuid"],
            "urn": task["urn"],
            "channel": {"uuid": row["channel_uuid"], "name": row["channel_name"]},
            "text": task.get("text") or "",
            "attachments": task.get("attachments") or [],
        }
        if task.get("msg_external_id"):
            msg["external_id"] = task["msg_external_id"]

        keyword = triggers.match_keyword(org_triggers, msg["text"], row["channel_id"], groups)
        trigger: triggers.TriggerRow | None = None
        if keyword and (waiting is None or not waiting["ignore_triggers"]):
            trigger = keyword[0]
        elif waiting is None:
            trigger = triggers.match_type(org_triggers, "C", row["channel_id"], groups)

        contact = contact_json(row, scene.field_keys)
        if stopped:
            contact["status"] = CONTACT_STATUSES["A"]  # as the update above left it
        sprints = []
        if trigger is not None:
            flow_ref = {"uuid": trigger.flow_uuid, "name": trigger.flow_name}
            engine_trigger = runner.msg_trigger(
                flow_ref, msg, keyword[1] if keyword and trigger is keyword[0] else None, trigger.match_type
            )
            sprints = await runner.start_sessions(
                scene.engine_assets, scene.environment, [(contact_id, contact, engine_trigger)]
            )
        elif waiting is not None:
            session_json = dict(waiting["output"], contact=contact)
            sprints = [
                await runner.resume_session(
                    scene.engine_assets, scene.environment, contact_id, session_json, runner.msg_resume(msg)
                )
            ]
        if sprints:
            runs = sprints[0].session.get("runs") or []
            flow_id = scene.flow_ids.get(runs[0]["flow"]["uuid"]) if runs else None
            outgoing = await commit_sprints(
                db, org_id, sprints, high_priority=True, response_to_external_id=task.get("msg_external_id"),
                handled=(task["msg_uuid"], flow_id), scene=scene,
            )  # fmt: skip
        else:
            await _mark_handled(pg, task, flow_id=None)
    await queue_outgoing(outgoing)


async def _mark_handled(pg: asyncpg.Connection, task: dict[str, Any], flow_id: int | None) -> None:
    await pg.execute(
        "UPDATE msgs SET status = 'H', modified_on = now(), flow_id = $2 WHERE uuid = $1::uuid",
        task["msg_uuid"],
        flow_id,
    )
