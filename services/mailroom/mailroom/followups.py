"""What a batch of sprints asks of the bulk machinery, written in the sprints' own transaction:

- contacts whose tickets or status changed join or leave the "Open Tickets" group;
- contacts whose fields, groups, status or last seen time changed get their campaign fires recomputed;
- each session_triggered event (a flow's start_session action) becomes a flow start of type F, pending,
  and each broadcast_created event (a flow's send_broadcast action) a pending broadcast; the
  queue_pending cron pushes their tasks once this transaction has committed.
"""

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.campaigns import schedule_contacts
from mailroom.handlers.batch import Batch
from upesi.domain.tickets import sync_open_tickets_group

FLOW_ACTION = "__flow_action__"  # params key carrying the parent's run summary to the started sessions


async def apply_followups(db: AsyncSession, org_id: int, batch: Batch) -> None:
    """What the handlers gathered: contacts to reschedule, session_triggered and broadcast_created events."""
    # the "Open Tickets" system group follows tickets opened or closed and contacts' status (its owner's rule)
    ticketing = {e["contact_id"] for e in batch.ticket_events} | {
        contact_id for contact_id, change in batch.contacts.items() if "status" in change.columns
    }
    if ticketing:
        await sync_open_tickets_group(db, org_id=org_id, contact_ids=ticketing)
    if batch.reschedule:
        await schedule_contacts(db, org_id, sorted(batch.reschedule))
    if batch.starts:
        await _insert_starts(db, org_id, batch.starts)
    if batch.broadcasts:
        await _insert_broadcasts(db, org_id, batch.broadcasts)


async def _insert_broadcasts(db: AsyncSession, org_id: int, events: list[dict[str, Any]]) -> None:
    rows = [
        {
            "key": str(uuid.uuid4()),  # ties each inserted broadcast back to its event
            "translations": {
                lang: {
                    "text": t.get("text") or "",
                    "attachments": list(t.get("attachments") or []),
                    "quick_replies": [
                        q.get("text", "") if isinstance(q, dict) else q for q in t.get("quick_replies") or []
                    ],
                }
                for lang, t in (e.get("translations") or {}).items()
            },
            "base_language": e.get("base_language") or "und",
            "urns": list(e.get("urns") or []),
            "query": e.get("contact_query") or None,
            "contacts": [c["uuid"] for c in e.get("contacts") or []],
            "groups": [g["uuid"] for g in e.get("groups") or []],
        }
        for e in events
        if e.get("translations")
    ]
    if not rows:
        return
    await db.execute(
        text(
            """
            WITH r AS (
                SELECT value AS v FROM jsonb_array_elements(CAST(:rows AS jsonb))
            ), ins AS (
                INSERT INTO broadcasts (uuid, org_id, translations, base_language, status, urns, query, is_active)
                SELECT CAST(r.v->>'key' AS uuid), :org, r.v->'translations', r.v->>'base_language', 'P',
                       ARRAY(SELECT jsonb_array_elements_text(r.v->'urns')), r.v->>'query', true
                FROM r
                RETURNING id, uuid
            ), linked AS (
                SELECT ins.id, r.v FROM ins JOIN r ON CAST(r.v->>'key' AS uuid) = ins.uuid
            ), c AS (
                INSERT INTO broadcast_contacts (broadcast_id, contact_id)
                SELECT DISTINCT l.id, ct.id FROM linked l
                JOIN contacts ct ON ct.org_id = :org
                 AND ct.uuid::text IN (SELECT jsonb_array_elements_text(l.v->'contacts'))
                ON CONFLICT DO NOTHING
            )
            INSERT INTO broadcast_groups (broadcast_id, group_id)
            SELECT DISTINCT l.id, g.id FROM linked l
            JOIN contact_groups g ON g.org_id = :org AND g.uuid::text IN (SELECT jsonb_array_elements_text(l.v->'groups'))
            ON CONFLICT DO NOTHING
            """
        ),
        {"org": org_id, "rows": json.dumps(rows)},
    )


async def _insert_starts(db: AsyncSession, org_id: int, events: list[dict[str, Any]]) -> None:
    rows = []
    for e in events:
        exclusions = e.get("exclusions") or {}
        rows.append(
            {
                "flow_uuid": e["flow"]["uuid"],
                "urns": list(e.get("urns") or []),
                "query": e.get("contact_query") or None,
                "restart": not exclusions.get("started_previously", False),
                "exclude_active": bool(exclusions.get("in_a_flow", False)),
                # the key is also what ties each inserted start back to its event below
                "params": {
                    FLOW_ACTION: {
                        "key": str(uuid.uuid4()),
                        "run_summary": e.get("run_summary"),
                        "history": e.get("history"),
                    }
                },
                "contacts": [c["uuid"] for c in e.get("contacts") or []],
                "groups": [g["uuid"] for g in e.get("groups") or []],
            }
        )
    # one statement for the starts, one each for their contacts and groups (by uuid, within the workspace)
    await db.execute(
        text(
            """
            WITH r AS (
                SELECT ordinality AS n, value AS v FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY
            ), ins AS (
                INSERT INTO flow_starts (uuid, org_id, flow_id, start_type, status, urns, query, restart_participants,
                                         exclude_active, params)
                SELECT gen_random_uuid(), :org, f.id, 'F', 'P',
                       ARRAY(SELECT jsonb_array_elements_text(r.v->'urns')), r.v->>'query',
                       (r.v->>'restart')::boolean, (r.v->>'exclude_active')::boolean, r.v->'params'
                FROM r JOIN flows f ON f.uuid = CAST(r.v->>'flow_uuid' AS uuid) AND f.org_id = :org
                ORDER BY r.n
                RETURNING id, params
            ), linked AS (
                SELECT ins.id, r.v FROM ins JOIN r ON r.v->'params' = ins.params
            ), c AS (
                INSERT INTO flow_start_contacts (start_id, contact_id)
                SELECT DISTINCT l.id, ct.id FROM linked l
                JOIN contacts ct ON ct.org_id = :org
                 AND ct.uuid::text IN (SELECT jsonb_array_elements_text(l.v->'contacts'))
                ON CONFLICT DO NOTHING
            )
            INSERT INTO flow_start_groups (start_id, group_id)
            SELECT DISTINCT l.id, g.id FROM linked l
            JOIN contact_groups g ON g.org_id = :org AND g.uuid::text IN (SELECT jsonb_array_elements_text(l.v->'groups'))
            ON CONFLICT DO NOTHING
            """
        ),
        {"org": org_id, "rows": json.dumps(rows)},
    )
