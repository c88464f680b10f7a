"""Writing what the event handlers gathered (mailroom.handlers.Batch), in the sprints' transaction: one
statement per kind of change for the whole batch, and none for a kind the batch does not have. The
contacts' own columns go with the sprint write itself (see persist._WRITE_SPRINTS and contact_rows)."""

from typing import Any

import asyncpg
import orjson

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint
from upesi.flows.urns import parse_urn


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def contact_row(batch: Batch, sprint: Sprint) -> dict[str, Any]:
    """What the sprint write changes of the contact: the columns and field keys its events changed
    (absent keys are left as they are), and whether anything changed (modified_on)."""
    row: dict[str, Any] = {}
    change = batch.contacts.get(sprint.contact_id)
    if change is not None:
        if change.columns:
            row["set"] = change.columns
        if change.fields_set or change.fields_cleared:
            row["fields_set"] = change.fields_set
            row["fields_del"] = sorted(change.fields_cleared)
    touched = (
        change is not None
        or sprint.contact_id in batch.urns
        or any(c == sprint.contact_id for c, _ in batch.memberships)
    )
    if touched:
        row["changed"] = True
    return row


async def write_urns(pg: asyncpg.Connection, batch: Batch) -> None:
    """Before the messages are made: a message to a URN the sprint added needs the URN's id."""
    if batch.urns:
        await _write_urns(pg, batch.org_id, batch)


async def write_effects(pg: asyncpg.Connection, batch: Batch, flow_ids: dict[str, int]) -> None:
    """Everything else the batch gathered, after the sprint write."""
    org_id = batch.org_id
    if batch.memberships:
        await _write_groups(pg, org_id, batch)
    if batch.labels:
        await _write_labels(pg, org_id, batch)
    if batch.tickets or batch.ticket_events:
        await _write_tickets(pg, org_id, batch)
    if batch.http_logs:
        await _write_http_logs(pg, org_id, batch, flow_ids)
    if batch.resthook_events or batch.unsubscribes:
        await _write_resthooks(pg, org_id, batch)
    if batch.airtime:
        await _write_airtime(pg, org_id, batch)


# A contact's URNs become exactly its list: each is inserted, or updated if it exists (priority, channel
# affinity), taken from another contact if it was theirs (the contact the flow gave it to is the one that
# keeps it, as RapidPro's mailroom did before URN claims moved into its engine); the contact's other URNs
# are detached (they stay in the workspace, without a contact, as RapidPro leaves them).
_WRITE_URNS = """
WITH r AS (
    SELECT (u->>'contact_id')::bigint AS contact_id, u->>'scheme' AS scheme, u->>'path' AS path,
           u->>'identity' AS identity, u->>'display' AS display, (u->>'priority')::int AS priority,
           (SELECT id FROM channels WHERE uuid = CAST(u->>'channel' AS uuid) AND org_id = $1) AS channel_id
    FROM jsonb_array_elements($2::jsonb) AS u
), kept AS (
    INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, display, priority, channel_id, auth_tokens)
    SELECT $1, contact_id, scheme, path, identity, display, priority, channel_id, '{}'::jsonb FROM r
    ON CONFLICT (org_id, identity) DO UPDATE SET contact_id = EXCLUDED.contact_id, priority = EXCLUDED.priority,
        channel_id = COALESCE(EXCLUDED.channel_id, contact_urns.channel_id),
        display = COALESCE(EXCLUDED.display, contact_urns.display)
    RETURNING id
)
UPDATE contact_urns SET contact_id = NULL
WHERE contact_id = ANY($3::bigint[]) AND id <> ALL(ARRAY(SELECT id FROM kept))
"""

TOP_URN_PRIORITY = 1000


async def _write_urns(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    rows = []
    for contact_id, urns in batch.urns.items():
        for i, raw in enumerate(urns):
            urn = parse_urn(raw)
            if urn is None:
                raise ValueError(f"contact_urns_changed with an unreadable URN {raw!r}")
            rows.append(
                {
                    "contact_id": contact_id,
                    "scheme": urn.scheme,
                    "path": urn.path,
                    "identity": urn.identity(),
                    "display": urn.display or None,
                    "priority": TOP_URN_PRIORITY - i,
                    "channel": _param(urn.query, "channel"),
                }
            )
    await pg.execute(_WRITE_URNS, org_id, _json(rows), list(batch.urns))


def _param(query: str, name: str) -> str | None:
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == name and value:
            return value
    return None


async def _write_groups(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    await pg.execute(
        """
        WITH added AS (
            INSERT INTO contact_group_contacts (group_id, contact_id)
            SELECT g.id, a.contact_id FROM unnest($2::bigint[], $3::uuid[]) AS a(contact_id, guuid)
            JOIN contact_groups g ON g.uuid = a.guuid AND g.org_id = $1
            ON CONFLICT DO NOTHING
        )
        DELETE FROM contact_group_contacts m USING contact_groups g,
            unnest($4::bigint[], $5::uuid[]) AS r(contact_id, guuid)
        WHERE g.uuid = r.guuid AND g.org_id = $1 AND m.group_id = g.id AND m.contact_id = r.contact_id
        """,
        org_id,
        [c for (c, _), member in batch.memberships.items() if member],
        [g for (_, g), member in batch.memberships.items() if member],
        [c for (c, _), member in batch.memberships.items() if not member],
        [g for (_, g), member in batch.memberships.items() if not member],
    )


async def _write_labels(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    await pg.execute(
        """
        INSERT INTO msg_labels (label_id, msg_id)
        SELECT DISTINCT lb.id, m.id FROM unnest($2::uuid[], $3::uuid[]) AS x(msg_uuid, label_uuid)
        JOIN msgs m ON m.uuid = x.msg_uuid AND m.org_id = $1
        JOIN labels lb ON lb.uuid = x.label_uuid AND lb.org_id = $1 AND lb.is_active
        ON CONFLICT DO NOTHING
        """,
        org_id,
        [m for m, _ in batch.labels],
        [lb for _, lb in batch.labels],
    )


# New tickets (a missing topic is the workspace's General one) and every ticket event; then, if the batch
# changed existing tickets, their status, assignee and topic from their last such event.
_WRITE_TICKETS = """
WITH t AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(uuid uuid, contact_id bigint, topic_uuid uuid,
        assignee_uuid uuid, flow_uuid uuid, created_on timestamptz)
), new_tickets AS (
    INSERT INTO tickets (uuid, org_id, contact_id, topic_id, status, assignee_id, opened_on, opened_in_id,
                         modified_on, last_activity_on)
    SELECT t.uuid, $1, t.contact_id,
           COALESCE((SELECT id FROM topics WHERE uuid = t.topic_uuid AND org_id = $1),
                    (SELECT id FROM topics WHERE org_id = $1 AND is_system ORDER BY id LIMIT 1)),
           'O', (SELECT id FROM users WHERE uuid = t.assignee_uuid),
           COALESCE(t.created_on, now()), (SELECT id FROM flows WHERE uuid = t.flow_uuid AND org_id = $1),
           now(), COALESCE(t.created_on, now())
    FROM t
    RETURNING id, uuid
), e AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(uuid uuid, ticket_uuid uuid, contact_id bigint,
        event_type text, note text, topic_uuid uuid, assignee_uuid uuid, created_on timestamptz, n int)
), ids AS (
    SELECT uuid, id FROM new_tickets
    UNION ALL
    SELECT uuid, id FROM tickets WHERE org_id = $1 AND uuid IN (SELECT ticket_uuid FROM e)
)
INSERT INTO ticket_events (uuid, org_id, ticket_id, contact_id, event_type, note, topic_id, assignee_id, created_on)
SELECT e.uuid, $1, ids.id, e.contact_id, e.event_type, NULLIF(e.note, ''),
       (SELECT id FROM topics WHERE uuid = e.topic_uuid AND org_id = $1),
       (SELECT id FROM users WHERE uuid = e.assignee_uuid), COALESCE(e.created_on, now())
FROM e JOIN ids ON ids.uuid = e.ticket_uuid
ORDER BY e.n
"""

_UPDATE_TICKETS = """
WITH e AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(ticket_uuid uuid, event_type text, topic_uuid uuid,
        assignee_uuid uuid, n int)
), last AS (
    SELECT DISTINCT ON (ticket_uuid, kind) ticket_uuid, kind, event_type, topic_uuid, assignee_uuid
    FROM (SELECT *, CASE WHEN event_type IN ('C', 'R') THEN 'S' ELSE event_type END AS kind FROM e) k
    ORDER BY ticket_uuid, kind, n DESC
)
UPDATE tickets tk SET
    status = COALESCE((SELECT CASE l.event_type WHEN 'C' THEN 'C' ELSE 'O' END FROM last l
                       WHERE l.ticket_uuid = tk.uuid AND l.kind = 'S'), tk.status),
    closed_on = COALESCE((SELECT CASE l.event_type WHEN 'C' THEN now() END FROM last l
                          WHERE l.ticket_uuid = tk.uuid AND l.kind = 'S'), CASE WHEN EXISTS (
                          SELECT 1 FROM last l WHERE l.ticket_uuid = tk.uuid AND l.kind = 'S') THEN NULL
                          ELSE tk.closed_on END),
    assignee_id = CASE WHEN EXISTS (SELECT 1 FROM last l WHERE l.ticket_uuid = tk.uuid AND l.kind = 'A')
                       THEN (SELECT u.id FROM last l JOIN users u ON u.uuid = l.assignee_uuid
                             WHERE l.ticket_uuid = tk.uuid AND l.kind = 'A')
                       ELSE tk.assignee_id END,
    topic_id = COALESCE((SELECT tp.id FROM last l JOIN topics tp ON tp.uuid = l.topic_uuid AND tp.org_id = $1
                         WHERE l.ticket_uuid = tk.uuid AND l.kind = 'T'), tk.topic_id),
    modified_on = now(), last_activity_on = now()
WHERE tk.org_id = $1 AND tk.uuid IN (SELECT ticket_uuid FROM e)
"""


async def _write_tickets(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    events = [{**e, "n": i} for i, e in enumerate(batch.ticket_events)]
    await pg.execute(_WRITE_TICKETS, org_id, _json(batch.tickets), _json(events))
    changes = [e for e in events if e["event_type"] != "O"]
    if changes:
        await pg.execute(_UPDATE_TICKETS, org_id, _json(changes))


async def _write_http_logs(
    pg: asyncpg.Connection, org_id: int, batch: Batch, flow_ids: dict[str, int]
) -> None:
    rows = [{**r, "flow_id": flow_ids.get(r.pop("flow_uuid", None) or "")} for r in batch.http_logs]
    await pg.execute(
        """
        INSERT INTO http_logs (org_id, flow_id, log_type, url, status_code, request, response, request_time_ms,
                               num_retries, is_error, created_on)
        SELECT $1, (r->>'flow_id')::bigint, r->>'log_type', r->>'url', (r->>'status_code')::int,
               r->>'request', r->>'response', (r->>'elapsed_ms')::int, (r->>'retries')::int,
               (r->>'is_error')::boolean, COALESCE((r->>'created_on')::timestamptz, now())
        FROM jsonb_array_elements($2::jsonb) AS r
        """,
        org_id,
        _json(rows),
    )


async def _write_resthooks(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    """The payloads sent (resthook events), and the subscribers that answered 410 removed."""
    await pg.execute(
        """
        WITH ev AS (
            INSERT INTO webhook_events (org_id, resthook_id, data, created_on)
            SELECT $1, h.id, r->'data', COALESCE((r->>'created_on')::timestamptz, now())
            FROM jsonb_array_elements($2::jsonb) AS r
            JOIN resthooks h ON h.org_id = $1 AND h.slug = r->>'slug' AND h.is_active
        )
        UPDATE resthook_subscribers s SET is_active = false, modified_on = now()
        FROM resthooks h, unnest($3::text[], $4::text[]) AS u(slug, url)
        WHERE h.org_id = $1 AND h.slug = u.slug AND s.resthook_id = h.id AND s.target_url = u.url AND s.is_active
        """,
        org_id,
        _json(batch.resthook_events),
        [slug for slug, _ in batch.unsubscribes],
        [url for _, url in batch.unsubscribes],
    )


async def _write_airtime(pg: asyncpg.Connection, org_id: int, batch: Batch) -> None:
    await pg.execute(
        """
        INSERT INTO airtime_transfers (uuid, org_id, contact_id, status, external_id, sender, recipient, currency,
                                       desired_amount, actual_amount, created_on)
        SELECT CAST(r->>'uuid' AS uuid), $1, (r->>'contact_id')::bigint, r->>'status', r->>'external_id',
               r->>'sender', r->>'recipient', r->>'currency', (r->>'amount')::numeric, (r->>'amount')::numeric,
               COALESCE((r->>'created_on')::timestamptz, now())
        FROM jsonb_array_elements($2::jsonb) AS r
        """,
        org_id,
        _json(batch.airtime),
    )
