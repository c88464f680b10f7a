"""Database writes for what courier receives and sends, each one statement per batch whatever its size:
incoming messages (with their contacts), channel events, and status updates (from callbacks and sends).

Writes are idempotent by uuid (ON CONFLICT DO NOTHING), so a batch replayed from the spool after a partial
success stores nothing twice and queues mailroom only for rows it actually inserted.
"""

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from upesi.db.ops.contacts import ResolvedContact, resolve_contacts
from upesi.queues.contacts import queue_contact_events
from upesi.queues.redis import get_redis
from upesi.urns import URN

log = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class PendingMsg:
    """An incoming message ready to store; plain data so it can be spooled as JSON."""

    uuid: str
    org_id: int
    channel_id: int
    channel_uuid: str
    urn: str
    text: str
    attachments: list[str]
    external_id: str | None
    received_on: str | None
    contact_name: str | None
    log_uuid: str
    metadata: dict[str, Any] = field(default_factory=dict)
    urn_auth_tokens: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PendingEvent:
    uuid: str
    org_id: int
    channel_id: int
    channel_uuid: str
    event_type: str
    urn: str
    extra: dict[str, Any]
    occurred_on: str
    contact_name: str | None
    log_uuid: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatusUpdate:
    """A status for an outgoing message, found by id, uuid, or (channel_id, external_id), and only among the
    messages of `channel_id`: a callback on one channel must never touch another's (or another workspace's)
    message, whose ids are sequential. `any_channel` is for courier's own verdict on a message whose channel
    is gone. `fire` is the session timeout to schedule after a successful send: {org_id, contact_id,
    session_uuid, sprint_uuid, timeout}."""

    status: str
    channel_id: int
    msg_id: int | None = None
    msg_uuid: str | None = None
    external_id: str | None = None
    log_uuid: str | None = None
    fire: dict[str, Any] | None = None
    any_channel: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _urn(value: str) -> URN:
    """'telegram:3527065#nicpottier' -> URN with display; the identity is what contacts are keyed by."""
    scheme, _, rest = value.partition(":")
    path, _, display = rest.partition("#")
    return URN(scheme, path, display=display)


def _identity(value: str) -> str:
    return value.partition("#")[0]


_INSERT_MSGS = """
WITH auth AS (
    UPDATE contact_urns u SET auth_tokens = u.auth_tokens || a.tokens::jsonb
    FROM unnest($13::bigint[], $14::text[]) AS a(id, tokens)
    WHERE u.id = a.id
)
INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, attachments, direction,
                  status, msg_type, external_id, metadata, log_uuids, created_on, modified_on, sent_on)
SELECT u::uuid, o, ch, c, cu, t, ARRAY(SELECT jsonb_array_elements_text(a::jsonb)), 'I', 'P', 'T',
       NULLIF(e, ''), md::jsonb, ARRAY[l::uuid], $1, $1, COALESCE(r, $1)
FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::timestamptz[]) AS x(u, o, ch, c, cu, t, a, e, md, l, r)
ON CONFLICT (uuid) DO NOTHING
RETURNING id, uuid::text
"""


async def _resolve(
    conn: asyncpg.Connection, items: list[PendingMsg] | list[PendingEvent]
) -> dict[tuple[int, str], ResolvedContact]:
    """The contact of each item's URN, per (workspace, channel): new URNs are stored with the channel."""
    groups: dict[tuple[int, int], list[PendingMsg | PendingEvent]] = {}
    for item in items:
        groups.setdefault((item.org_id, item.channel_id), []).append(item)
    resolved: dict[tuple[int, str], ResolvedContact] = {}
    for (org_id, channel_id), group in groups.items():
        names = {_identity(i.urn): i.contact_name for i in group if i.contact_name}
        found = await resolve_contacts(conn, org_id, [_urn(i.urn) for i in group], channel_id, names)
        for identity, rc in found.items():
            resolved[(org_id, identity)] = rc
    # every item needs its contact: one left without would be answered as stored and never written, so the
    # batch fails instead (the caller retries each item, then spools what still fails)
    if missing := sorted({_identity(i.urn) for i in items if (i.org_id, _identity(i.urn)) not in resolved}):
        raise UnresolvedContacts(f"no contact resolved for {', '.join(missing)}")
    return resolved


class UnresolvedContacts(Exception):
    """resolve_contacts gave no contact for some URNs (each retried under contention, still owned by none)."""


async def write_msgs(pool: asyncpg.Pool, batch: list[PendingMsg]) -> list[dict[str, Any]]:
    """Store messages and their contacts, then queue msg_received for each new row. Three statements per
    batch on courier's own pool, each committing by itself: what one of them leaves done is found again
    when the batch is retried or replayed (messages are keyed by uuid). Returns, per message, {msg_id,
    contact_id, urn_id, new_contact, inserted}."""
    results: dict[str, dict[str, Any]] = {}
    async with pool.acquire() as conn:
        resolved = await _resolve(conn, batch)
        now = datetime.now(UTC)
        rows = [(m, resolved[(m.org_id, _identity(m.urn))]) for m in batch]
        auth = [(rc.urn_id, json.dumps(m.urn_auth_tokens)) for m, rc in rows if m.urn_auth_tokens]
        inserted = await conn.fetch(
            _INSERT_MSGS,
            now,
            [m.uuid for m, _ in rows],
            [m.org_id for m, _ in rows],
            [m.channel_id for m, _ in rows],
            [rc.contact_id for _, rc in rows],
            [rc.urn_id for _, rc in rows],
            [m.text.replace("\x00", "") for m, _ in rows],
            [json.dumps(m.attachments) for m, _ in rows],
            [m.external_id or "" for m, _ in rows],
            [json.dumps(m.metadata) for m, _ in rows],
            [m.log_uuid for m, _ in rows],
            [_dt(m.received_on) for m, _ in rows],
            [urn_id for urn_id, _ in auth],
            [tokens for _, tokens in auth],
        )
    ids = {row["uuid"]: row["id"] for row in inserted}
    for m, rc in rows:
        results[m.uuid] = {
            "msg_id": ids.get(m.uuid),
            "contact_id": rc.contact_id,
            "urn_id": rc.urn_id,
            "new_contact": rc.new_contact,
            "inserted": m.uuid in ids,
        }
    events = []
    for m in batch:
        r = results.get(m.uuid)
        if r and r["inserted"]:
            events.append((m.org_id, r["contact_id"], "msg_received", {
                "channel_id": m.channel_id, "channel_uuid": m.channel_uuid, "msg_id": r["msg_id"], "msg_uuid": m.uuid,
                "msg_external_id": m.external_id or "", "urn": m.urn, "urn_id": r["urn_id"], "text": m.text,
                "attachments": m.attachments, "new_contact": r["new_contact"],
            }))  # fmt: skip
    await _queue_events(events)
    return [results.get(m.uuid, {}) for m in batch]


# events mailroom could not be told about while Redis was down; the rows are stored (status P), so they are
# not spooled again: Runtime retries these every few seconds until Redis answers, and mailroom's
# retry_incoming cron hands over any P message older than a few minutes (this process may die first)
_unqueued: list[tuple[int, int, str, dict[str, Any]]] = []


async def _queue_events(events: list[tuple[int, int, str, dict[str, Any]]]) -> None:
    """Tell mailroom, or keep the events for requeue_events when Redis does not answer. A contact's events
    may then be pushed twice; mailroom skips a message or event it has already handled."""
    try:
        await _push_events(events)
    except Exception as e:
        log.warning("events kept until Redis answers", extra={"count": len(events), "error": repr(e)})
        _unqueued.extend(events)


async def requeue_events() -> int:
    """Push the events kept while Redis was down; returns how many went (none while it is still down)."""
    if not _unqueued:
        return 0
    events = list(_unqueued)
    await _push_events(events)  # raises while Redis is still down: the events stay kept
    del _unqueued[: len(events)]
    return len(events)


async def _push_events(events: list[tuple[int, int, str, dict[str, Any]]]) -> None:
    """Tell mailroom, in one pipeline for the batch, each contact's events in order."""
    await queue_contact_events(get_redis(), events)


_INSERT_EVENTS = """
INSERT INTO channel_events (uuid, org_id, channel_id, event_type, contact_id, contact_urn_id, extra,
                            status, occurred_on, created_on)
SELECT u::uuid, o, ch, t, c, cu, x::jsonb, 'P', oc, now()
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[],
            $8::timestamptz[]) AS v(u, o, ch, t, c, cu, x, oc)
ON CONFLICT (uuid) DO NOTHING
RETURNING id, uuid::text
"""


async def write_events(pool: asyncpg.Pool, batch: list[PendingEvent]) -> list[dict[str, Any]]:
    """Store channel events with their contacts, then queue event_received for each new row (as
    write_msgs)."""
    results: dict[str, dict[str, Any]] = {}
    async with pool.acquire() as conn:
        resolved = await _resolve(conn, batch)
        rows = [(e, resolved[(e.org_id, _identity(e.urn))]) for e in batch]
        inserted = await conn.fetch(
            _INSERT_EVENTS,
            [e.uuid for e, _ in rows],
            [e.org_id for e, _ in rows],
            [e.channel_id for e, _ in rows],
            [e.event_type for e, _ in rows],
            [rc.contact_id for _, rc in rows],
            [rc.urn_id for _, rc in rows],
            [json.dumps(e.extra) for e, _ in rows],
            [_dt(e.occurred_on) for e, _ in rows],
        )
    ids = {row["uuid"]: row["id"] for row in inserted}
    for e, rc in rows:
        results[e.uuid] = {
            "event_id": ids.get(e.uuid), "contact_id": rc.contact_id, "urn_id": rc.urn_id,
            "new_contact": rc.new_contact, "inserted": e.uuid in ids,
        }  # fmt: skip
    queued = []
    for e in batch:
        r = results.get(e.uuid)
        if r and r["inserted"]:
            queued.append((e.org_id, r["contact_id"], "event_received", {
                "event_id": r["event_id"], "event_uuid": e.uuid, "event_type": e.event_type, "channel_id": e.channel_id,
                "urn_id": r["urn_id"], "extra": e.extra, "new_contact": r["new_contact"], "occurred_on": e.occurred_on,
            }))  # fmt: skip
    await _queue_events(queued)
    return [results.get(e.uuid, {}) for e in batch]


_RESOLVE = """
SELECT x.i AS idx, m.id
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::bool[]) AS x(mid, mu, ch, ext, i, anych)
JOIN msgs m ON (x.mid IS NOT NULL AND m.id = x.mid)
            OR (x.mid IS NULL AND x.mu IS NOT NULL AND m.uuid = x.mu::uuid)
            OR (x.mid IS NULL AND x.mu IS NULL AND m.channel_id = x.ch AND m.external_id = x.ext)
WHERE m.direction = 'O' AND (m.channel_id = x.ch OR x.anych)
"""

# E counts an error and reschedules (5 min x attempts), becoming F on the third; sent_on set on first success
_SET_STATUS = """
    status = CASE WHEN s.st = 'E' AND m.error_count >= 2 THEN 'F' ELSE s.st END,
    error_count = m.error_count + CASE WHEN s.st = 'E' THEN 1 ELSE 0 END,
    next_attempt = CASE WHEN s.st = 'E' THEN now() + interval '5 minutes' * (m.error_count + 1) ELSE m.next_attempt END,
    failed_reason = CASE WHEN s.st = 'E' AND m.error_count >= 2 THEN 'E' ELSE m.failed_reason END,
    sent_on = CASE WHEN s.st IN ('W', 'S', 'D', 'R') THEN COALESCE(m.sent_on, now()) ELSE m.sent_on END,
    external_id = COALESCE(NULLIF(s.ext, ''), m.external_id),
    log_uuids = CASE WHEN s.lu = '' THEN m.log_uuids ELSE array_append(m.log_uuids, s.lu::uuid) END,
    modified_on = now()
"""

_UPDATE = f"""
UPDATE msgs m SET {_SET_STATUS}
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS s(id, st, ext, lu)
WHERE m.id = s.id
"""

_FIRES = """
INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, session_uuid, sprint_uuid, fire_on)
SELECT o, c, 'T', '', su::uuid, sp::uuid, now() + make_interval(secs => t)
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::float8[]) AS x(o, c, su, sp, t)
ON CONFLICT (contact_id, fire_type, scope)
DO UPDATE SET session_uuid = EXCLUDED.session_uuid, sprint_uuid = EXCLUDED.sprint_uuid, fire_on = EXCLUDED.fire_on
"""

# Courier's own sends know their message ids: the update, checked against the channel as _RESOLVE does, and
# the session timeouts to schedule, in one statement (atomic without a transaction: one round trip)
_UPDATE_BY_ID = f"""
WITH updated AS (
    UPDATE msgs m SET {_SET_STATUS}
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bool[]) AS s(id, st, ext, lu, ch, anych)
    WHERE m.id = s.id AND m.direction = 'O' AND (m.channel_id = s.ch OR s.anych)
    RETURNING m.id
), fires AS (
    INSERT INTO contact_fires (org_id, contact_id, fire_type, scope, session_uuid, sprint_uuid, fire_on)
    SELECT o, c, 'T', '', su::uuid, sp::uuid, now() + make_interval(secs => t)
    FROM unnest($7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::float8[]) AS x(o, c, su, sp, t)
    ON CONFLICT (contact_id, fire_type, scope)
    DO UPDATE SET session_uuid = EXCLUDED.session_uuid, sprint_uuid = EXCLUDED.sprint_uuid, fire_on = EXCLUDED.fire_on
)
SELECT id FROM updated
"""


async def write_statuses(pool: asyncpg.Pool, batch: list[StatusUpdate]) -> list[int | None]:
    """Apply status updates: resolve each to a msg id (one SELECT), then one UPDATE. Returns the msg id
    each update applied to, None when no outgoing message matched (logged and dropped, as the reference)."""
    if all(s.msg_id is not None for s in batch):
        return await _write_statuses_by_id(pool, batch)
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            _RESOLVE,
            [s.msg_id for s in batch],
            [s.msg_uuid if s.msg_id is None else None for s in batch],
            [s.channel_id for s in batch],
            [s.external_id for s in batch],
            list(range(len(batch))),
            [s.any_channel for s in batch],
        )
        ids: list[int | None] = [None] * len(batch)
        for row in rows:
            ids[row["idx"]] = row["id"]
        # one row per message: the last update wins, as it would applied in order
        latest: dict[int, StatusUpdate] = {}
        for s, mid in zip(batch, ids, strict=True):
            if mid is not None:
                latest[mid] = s
        if latest:
            await conn.execute(
                _UPDATE,
                list(latest),
                [s.status for s in latest.values()],
                [s.external_id or "" for s in latest.values()],
                [s.log_uuid or "" for s in latest.values()],
            )
        fires = [s.fire for s in batch if s.fire and s.status in ("W", "S", "D")]
        if fires:
            await conn.execute(
                _FIRES,
                [f["org_id"] for f in fires],
                [f["contact_id"] for f in fires],
                [f.get("session_uuid") for f in fires],
                [f.get("sprint_uuid") for f in fires],
                [float(f["timeout"]) for f in fires],
            )
    return ids


async def _write_statuses_by_id(pool: asyncpg.Pool, batch: list[StatusUpdate]) -> list[int | None]:
    """write_statuses for updates that all carry their message's id (courier's sends): one statement."""
    latest: dict[int, StatusUpdate] = {}  # one row per message: the last update wins
    for s in batch:
        assert s.msg_id is not None
        latest[s.msg_id] = s
    fires = [s.fire for s in batch if s.fire and s.status in ("W", "S", "D")]
    rows = await pool.fetch(
        _UPDATE_BY_ID,
        list(latest),
        [s.status for s in latest.values()],
        [s.external_id or "" for s in latest.values()],
        [s.log_uuid or "" for s in latest.values()],
        [s.channel_id for s in latest.values()],
        [s.any_channel for s in latest.values()],
        [f["org_id"] for f in fires],
        [f["contact_id"] for f in fires],
        [f.get("session_uuid") for f in fires],
        [f.get("sprint_uuid") for f in fires],
        [float(f["timeout"]) for f in fires],
    )
    found = {row["id"] for row in rows}
    return [s.msg_id if s.msg_id in found else None for s in batch]


def pending_msg_from_json(data: dict[str, Any]) -> PendingMsg:
    return PendingMsg(**data)


def pending_event_from_json(data: dict[str, Any]) -> PendingEvent:
    return PendingEvent(**data)


def status_from_json(data: dict[str, Any]) -> StatusUpdate:
    return StatusUpdate(**data)


__all__ = [
    "PendingEvent",
    "PendingMsg",
    "StatusUpdate",
    "_iso",
    "write_events",
    "write_msgs",
    "write_statuses",
]
