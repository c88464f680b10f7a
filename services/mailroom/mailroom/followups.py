"""What a batch of sprints asks of the bulk machinery, written in the sprints' own transaction:

- contacts whose fields or groups changed get their campaign fires recomputed;
- each session_triggered event (a flow's start_session action) becomes a flow start of type F, pending;
  the queue_pending cron pushes its start_flow task once this transaction has committed.
"""

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.campaigns import schedule_contacts
from mailroom.runner import Sprint

CHANGES = ("contact_field_changed", "contact_groups_changed")
FLOW_ACTION = "__flow_action__"  # params key carrying the parent's run summary to the started sessions


async def apply_followups(db: AsyncSession, org_id: int, sprints: list[Sprint]) -> None:
    changed = sorted({s.contact_id for s in sprints if any(e.get("type") in CHANGES for e in s.events)})
    if changed:
        await schedule_contacts(db, org_id, changed)
    triggered = [e for s in sprints for e in s.events if e.get("type") == "session_triggered"]
    if triggered:
        await _insert_starts(db, org_id, triggered)


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
