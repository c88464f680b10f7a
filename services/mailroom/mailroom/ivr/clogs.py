"""Channel logs of IVR exchanges (ivr_start, ivr_hangup, ivr_incoming, ivr_callback, ivr_status), as
courier keeps them for messages: each HTTP request and response, errors and time, with the channel's
secrets (auth token, basic auth) redacted before anything is stored."""

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.flows.clock import uuid7

REDACTED = "**********"
MAX_TRACE = 50_000


def redact(value: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) < 3:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}:
            value = value.replace(form, REDACTED)
    return value


def basic_auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class ChannelLog:
    log_type: str
    channel_id: int
    secrets: list[str]
    uuid: str = field(default_factory=uuid7)
    http_logs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def http(self, url: str, status_code: int, request: str, response: str, elapsed_ms: int) -> None:
        self.http_logs.append(
            {
                "url": redact(url, self.secrets)[:2048],
                "status_code": status_code,
                "request": redact(request, self.secrets)[:MAX_TRACE],
                "response": redact(response, self.secrets)[:MAX_TRACE],
                "elapsed_ms": elapsed_ms,
                "retries": 0,
                "created_on": datetime.now(UTC).isoformat(),
            }
        )

    def error(self, message: str, code: str = "") -> None:
        self.errors.append({"code": code, "ext_code": "", "message": redact(message, self.secrets)})

    async def write(self, db: AsyncSession) -> None:
        await db.execute(
            text(
                """
                INSERT INTO channel_logs (uuid, channel_id, log_type, http_logs, errors, is_error, elapsed_ms)
                VALUES (CAST(:u AS uuid), :c, :t, CAST(:h AS jsonb), CAST(:e AS jsonb), :ie, :el)
                """
            ),
            {
                "u": self.uuid,
                "c": self.channel_id,
                "t": self.log_type,
                "h": json.dumps(self.http_logs),
                "e": json.dumps(self.errors),
                "ie": bool(self.errors),
                "el": int((time.monotonic() - self.started) * 1000),
            },
        )


def trace_request(method: str, url: str, headers: dict[str, str], body: str) -> str:
    lines = [f"{method} {url} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n" + body


def trace_response(status: int, headers: dict[str, str], body: str) -> str:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n" + body
