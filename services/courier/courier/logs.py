"""Channel logs: one per provider exchange group (a callback, a send), with every HTTP request and response,
errors and timing, secrets redacted before anything is kept. Written in batches by `ChannelLogWriter`;
web reads them with `list_channel_logs`.

A stored log looks like:
    {"uuid": "...", "log_type": "msg_send", "is_error": false, "elapsed_ms": 120, "msg_uuid": "...",
     "http_logs": [{"url": "https://api.twilio.com/...", "status_code": 201, "request": "POST ... HTTP/1.1\\r\\n...",
                    "response": "HTTP/1.1 201 Created\\r\\n...", "elapsed_ms": 118, "retries": 0, "created_on": "..."}],
     "errors": [{"code": "response_status", "ext_code": "", "message": "..."}]}
"""

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from courier.ids import uuid7

log = logging.getLogger(__name__)

REDACTED = "**********"
MAX_URL = 2048
MAX_TRACE = 50_000


def redact(value: str, secrets: list[str]) -> str:
    """Replace every secret, raw or URL/JSON-encoded, so no logged form of it survives."""
    for secret in secrets:
        if not secret or len(secret) < 3:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}:
            if form:
                value = value.replace(form, REDACTED)
    return value


@dataclass
class ChannelLogBuilder:
    log_type: str
    channel_id: int | None
    secrets: list[str] = field(default_factory=list)
    uuid: str = field(default_factory=uuid7)
    msg_uuid: str | None = None
    http_logs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    created_on: datetime = field(default_factory=lambda: datetime.now(UTC))

    def add_secrets(self, values: list[str]) -> None:
        self.secrets.extend(v for v in values if v)

    def http(
        self, url: str, status_code: int, request: str, response: str, elapsed_ms: int, retries: int = 0
    ) -> None:
        self.http_logs.append(
            {
                "url": url[:MAX_URL],
                "status_code": status_code,
                "request": request[:MAX_TRACE],
                "response": response[:MAX_TRACE],
                "elapsed_ms": elapsed_ms,
                "retries": retries,
                "created_on": datetime.now(UTC).isoformat(),
            }
        )

    def error(self, code: str, message: str = "", ext_code: str = "") -> None:
        self.errors.append({"code": code, "ext_code": ext_code, "message": message})

    @property
    def is_error(self) -> bool:
        return bool(self.errors)

    def finish(self) -> dict[str, Any]:
        """The log as stored, redacted."""

        def clean(v: Any) -> Any:
            if isinstance(v, str):
                return redact(v, self.secrets)
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v

        return {
            "uuid": self.uuid,
            "channel_id": self.channel_id,
            "log_type": self.log_type,
            "http_logs": clean(self.http_logs),
            "errors": clean(self.errors),
            "is_error": self.is_error,
            "elapsed_ms": int((time.monotonic() - self.started) * 1000),
            "msg_uuid": self.msg_uuid,
            "created_on": self.created_on,
        }


_INSERT = """
INSERT INTO channel_logs (uuid, channel_id, log_type, http_logs, errors, is_error, elapsed_ms, msg_uuid, created_on)
SELECT u::uuid, c, t, h::jsonb, e::jsonb, ie, el, NULLIF(m, '')::uuid, co
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::int[], $8::text[],
            $9::timestamptz[]) AS x(u, c, t, h, e, ie, el, m, co)
WHERE EXISTS (SELECT 1 FROM channels WHERE id = x.c)  -- a channel deleted meanwhile must not sink the batch
ON CONFLICT (uuid) DO NOTHING
"""


async def insert_logs(conn: asyncpg.Connection | asyncpg.Pool, logs: list[dict[str, Any]]) -> None:
    if not logs:
        return
    await conn.execute(
        _INSERT,
        [entry["uuid"] for entry in logs],
        [entry["channel_id"] for entry in logs],
        [entry["log_type"] for entry in logs],
        [json.dumps(entry["http_logs"]) for entry in logs],
        [json.dumps(entry["errors"]) for entry in logs],
        [entry["is_error"] for entry in logs],
        [entry["elapsed_ms"] for entry in logs],
        [entry["msg_uuid"] or "" for entry in logs],
        [entry["created_on"] for entry in logs],
    )


class ChannelLogWriter:
    """Buffers finished logs and writes them every `interval` seconds or every `batch` logs. Logs are
    diagnostics: if Postgres is down they go to the spool like everything else."""

    def __init__(
        self, pool: asyncpg.Pool, spool: Any = None, interval: float = 0.2, batch: int = 500
    ) -> None:
        self.pool = pool
        self.spool = spool
        self.interval = interval
        self.batch = batch
        self._buffer: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def queue(self, clog: ChannelLogBuilder) -> None:
        if clog.channel_id is None:
            return  # requests not attributed to a channel keep no log (as the reference)
        self._buffer.append(clog.finish())
        if len(self._buffer) >= self.batch:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        logs, self._buffer = self._buffer, []
        if not logs:
            return
        try:
            await insert_logs(self.pool, logs)
        except (
            OSError,
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.CannotConnectNowError,
        ) as e:
            log.warning("channel logs not written, spooling", extra={"error": str(e), "count": len(logs)})
            if self.spool is not None:
                self.spool.write(
                    "logs", [dict(entry, created_on=entry["created_on"].isoformat()) for entry in logs]
                )
        except Exception:
            log.exception("channel logs not written")


async def list_channel_logs(
    session: AsyncSession,
    channel_id: int,
    limit: int = 50,
    before_id: int | None = None,
    errors_only: bool = False,
) -> list[dict[str, Any]]:
    """A channel's logs, newest first, for web's channel log pages. Page with `before_id` (the last id seen)."""
    rows = await session.execute(
        text(
            """
            SELECT id, uuid::text, log_type, http_logs, errors, is_error, elapsed_ms, msg_uuid::text, created_on
            FROM channel_logs
            WHERE channel_id = :channel_id AND (CAST(:before_id AS bigint) IS NULL OR id < CAST(:before_id AS bigint))
              AND (NOT CAST(:errors_only AS boolean) OR is_error)
            ORDER BY id DESC LIMIT :limit
            """
        ),
        {"channel_id": channel_id, "before_id": before_id, "limit": limit, "errors_only": errors_only},
    )
    return [dict(row._mapping) for row in rows]


async def get_channel_log(session: AsyncSession, log_uuid: str) -> dict[str, Any] | None:
    row = (
        await session.execute(
            text(
                """SELECT id, uuid::text, channel_id, log_type, http_logs, errors, is_error, elapsed_ms,
                          msg_uuid::text, created_on FROM channel_logs WHERE uuid = CAST(:uuid AS uuid)"""
            ),
            {"uuid": log_uuid},
        )
    ).first()
    return dict(row._mapping) if row else None
