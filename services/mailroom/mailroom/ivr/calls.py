"""The calls record (table `calls`), with RapidPro's rules for retrying calls that did not connect: a busy
or unanswered outgoing call is retried after the retry wait, at most MAX_RETRIES times, then fails; a
channel at its maximum of concurrent calls queues new ones for THROTTLE_WAIT. The caller owns the
transaction."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_RETRIES = 3  # mailroom's CallMaxRetries
RETRY_WAIT = timedelta(
    minutes=60
)  # mailroom's CallRetryWait (a flow's ivr_retry: we have no such setting yet)
THROTTLE_WAIT = timedelta(minutes=2)  # mailroom's CallThrottleWait
ACTIVE = ("W", "I")  # wired or in progress: a line in use
ENDED = ("D", "E", "F")


@dataclass
class CallRow:
    id: int
    uuid: str
    org_id: int
    channel_id: int
    contact_id: int
    contact_urn_id: int | None
    direction: str
    status: str
    external_id: str
    session_uuid: str | None
    trigger: dict[str, Any] | None
    error_count: int
    start_id: int | None


_COLUMNS = """id, uuid::text AS uuid, org_id, channel_id, contact_id, contact_urn_id, direction, status,
    external_id, session_uuid::text AS session_uuid, trigger, error_count, start_id"""


def _row(r: Any) -> CallRow | None:
    return CallRow(**r._mapping) if r is not None else None


async def get_by_uuid(db: AsyncSession, org_id: int, uuid: str) -> CallRow | None:
    q = f"SELECT {_COLUMNS} FROM calls WHERE org_id = :o AND uuid = CAST(:u AS uuid)"
    return _row((await db.execute(text(q), {"o": org_id, "u": uuid})).first())


async def get_by_external_id(db: AsyncSession, channel_id: int, external_id: str) -> CallRow | None:
    q = f"SELECT {_COLUMNS} FROM calls WHERE channel_id = :c AND external_id = :e ORDER BY id DESC LIMIT 1"
    return _row((await db.execute(text(q), {"c": channel_id, "e": external_id})).first())


async def get_by_ids(db: AsyncSession, ids: list[int]) -> list[CallRow]:
    q = f"SELECT {_COLUMNS} FROM calls WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id"
    return [CallRow(**r._mapping) for r in await db.execute(text(q), {"ids": ids})]


async def insert_calls(db: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert calls (org_id, channel_id, contact_id, contact_urn_id, direction, status, external_id,
    trigger, start_id) in one statement; returns their ids in order."""
    import json

    if not rows:
        return []
    result = await db.execute(
        text(
            """
            INSERT INTO calls (uuid, org_id, channel_id, contact_id, contact_urn_id, direction, status,
                               external_id, trigger, start_id)
            SELECT gen_random_uuid(), (r->>'org_id')::bigint, (r->>'channel_id')::bigint,
                   (r->>'contact_id')::bigint, (r->>'contact_urn_id')::bigint, r->>'direction', r->>'status',
                   COALESCE(r->>'external_id', ''), r->'trigger', (r->>'start_id')::bigint
            FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS x(r, n)
            ORDER BY n
            RETURNING id
            """
        ),
        {"rows": json.dumps(rows)},
    )
    return [r.id for r in result]


async def set_wired(db: AsyncSession, call_id: int, external_id: str) -> None:
    await _update(db, call_id, "status = 'W', external_id = :e, next_attempt = NULL", e=external_id)


async def set_in_progress(db: AsyncSession, call_id: int, session_uuid: str) -> None:
    await _update(
        db, call_id, "status = 'I', session_uuid = CAST(:s AS uuid), started_on = now()", s=session_uuid
    )


async def set_failed(db: AsyncSession, call_id: int, error_reason: str | None = None) -> None:
    await _update(
        db,
        call_id,
        "status = 'F', ended_on = now(), next_attempt = NULL, error_reason = COALESCE(:r, error_reason)",
        r=error_reason,
    )


async def set_throttled(db: AsyncSession, call_id: int) -> None:
    await _update(db, call_id, "status = 'Q', next_attempt = :n", n=datetime.now(UTC) + THROTTLE_WAIT)


async def set_errored(
    db: AsyncSession, call: CallRow, error_reason: str, retry_wait: timedelta | None = RETRY_WAIT
) -> str:
    """Errored and retried later, or failed once retries are used up (or never retried). Returns the status."""
    if call.error_count < MAX_RETRIES and retry_wait is not None:
        await _update(
            db,
            call.id,
            "status = 'E', ended_on = now(), error_reason = :r, error_count = error_count + 1, next_attempt = :n",
            r=error_reason,
            n=datetime.now(UTC) + retry_wait,
        )
        return "E"
    await _update(
        db, call.id, "status = 'F', ended_on = now(), error_reason = :r, next_attempt = NULL", r=error_reason
    )
    return "F"


async def update_status(db: AsyncSession, call_id: int, status: str, duration: int = 0) -> None:
    if duration > 0:
        await _update(db, call_id, "status = :s, duration = :d, ended_on = now()", s=status, d=duration)
    elif status in ENDED:
        await _update(db, call_id, "status = :s, ended_on = COALESCE(ended_on, now())", s=status)
    else:
        await _update(db, call_id, "status = :s", s=status)


async def attach_log(db: AsyncSession, call_id: int, log_uuid: str) -> None:
    await _update(db, call_id, "log_uuids = array_append(log_uuids, CAST(:l AS uuid))", l=log_uuid)


async def active_count(db: AsyncSession, channel_id: int) -> int:
    q = "SELECT count(*) FROM calls WHERE channel_id = :c AND status IN ('W', 'I')"
    return int((await db.execute(text(q), {"c": channel_id})).scalar_one())


async def due_for_retry(db: AsyncSession, limit: int) -> list[int]:
    """Queued and errored calls whose next attempt has come, oldest first, locked against another cron."""
    q = """SELECT id FROM calls WHERE status IN ('Q', 'E') AND next_attempt < now()
           ORDER BY next_attempt LIMIT :n FOR UPDATE SKIP LOCKED"""
    return [r.id for r in await db.execute(text(q), {"n": limit})]


async def _update(db: AsyncSession, call_id: int, assignments: str, **params: Any) -> None:
    await db.execute(
        text(f"UPDATE calls SET {assignments}, modified_on = now() WHERE id = :id"), {"id": call_id, **params}
    )
