"""Making webhook calls through the engine's http interface and describing them as goflow does."""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from upesi.flows.session import Session

MAX_REQUEST_BYTES = 256 * 1024
MAX_RESPONSE_BYTES = 256 * 1024  # the engine's default limit on a response it will use
MAX_EXTRA_CHARS = 10_000  # bigger JSON bodies aren't kept as a result's extra
DEFAULT_TIMEOUT = 15.0  # mailroom's webhook time-out


# gocommon httpx.ReplaceEscapedNulls: `\\u0000` is an escaped backslash before "u0000", so only an odd
# number of backslashes escapes a NUL
_ESCAPED_NULS = re.compile(r"\\+u0{4}")


def _drop_escaped_nul(m: re.Match[str]) -> str:
    slashes = m.group().count("\\")
    return m.group() if slashes % 2 == 0 else "\\" * (slashes - 1)


@dataclass
class WebhookCall:
    method: str
    url: str
    status: str  # success | response_error | connection_error
    status_code: int
    request: str
    response: str
    body: bytes
    headers: dict[str, str]
    elapsed_ms: int
    response_size: int | None = None  # when the response isn't all in `response`: its full size
    retries: int = 0  # attempts the host's HTTP client made after the first (it decides when to retry)

    def response_json(self) -> tuple[str, Any] | None:
        """The body as goflow keeps it for @webhook.json and a result's extra (utils.ExtractJSON), as text
        and parsed: invalid UTF-8, NUL bytes and escaped NULs removed, if what is left is JSON; else None."""
        if not self.body:
            return None
        text = self.body.decode("utf-8", errors="ignore").replace("\x00", "")
        if "u0000" in text:
            text = _ESCAPED_NULS.sub(_drop_escaped_nul, text)
        try:
            return text, orjson.loads(text)
        except orjson.JSONDecodeError:
            return None

    def json(self) -> Any:
        """The response body parsed as JSON (see response_json), or None if it isn't JSON."""
        found = self.response_json()
        return None if found is None else found[1]

    def event(self) -> dict[str, Any]:
        e: dict[str, Any] = {"type": "webhook_called", "url": self.url}
        if self.status_code:
            e["status_code"] = self.status_code
        e["status"] = self.status
        e["request"] = _trace(self.request)
        if self.response:
            e["response"] = _trace(self.response)
        e["elapsed_ms"] = self.elapsed_ms
        e["retries"] = self.retries
        response_size = len(self.response.encode()) if self.response_size is None else self.response_size
        e["sizes"] = {"request": len(self.request.encode()), "response": response_size}
        return e


MAX_TRACE_CHARS = 10_000
_BODY_METHODS = ("POST", "PUT", "PATCH")


def _trace(s: str) -> str:
    """Traces in events are cut to 10,000 characters (the sizes still give the full lengths)."""
    return s if len(s) <= MAX_TRACE_CHARS else s[: MAX_TRACE_CHARS - 3] + "..."


def _request_text(method: str, url: str, headers: dict[str, str], body: str, user_agent: str) -> str:
    u = urllib.parse.urlsplit(url)
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}", f"User-Agent: {user_agent}"]
    if body or method in _BODY_METHODS:  # as Go's client: methods with a body say so even when it's empty
        lines.append(f"Content-Length: {len(body.encode())}")
    for k in sorted(headers):
        lines.append(f"{k}: {headers[k]}")
    lines.append("Accept-Encoding: gzip")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def _response_text(status: int, headers: dict[str, str], body: bytes, head_only: bool = False) -> str:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.0 {status} {reason}".rstrip()]
    hdrs = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    lines.append(f"Content-Length: {len(body)}")
    for k in sorted(hdrs):
        lines.append(f"{k}: {hdrs[k]}")
    text = "" if head_only else body[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")
    return "\r\n".join(lines) + "\r\n\r\n" + text


def request_size(method: str, url: str, headers: dict[str, str], body: str) -> int:
    """What an evaluated request is measured by against the size limit, as goflow measures it: the
    request line with the full URL, the action's own headers and the body."""
    size = len(f"{method} {url} HTTP/1.1\r\n".encode())
    size += sum(len(f"{k}: {v}\r\n".encode()) for k, v in headers.items())
    return size + 2 + len(body.encode())


def call(session: Session, method: str, url: str, headers: dict[str, str], body: str) -> WebhookCall:
    engine = session.engine
    request = _request_text(method, url, headers, body, engine.user_agent)
    http = engine.http
    started = time.monotonic()
    if http is None:
        return WebhookCall(method, url, "connection_error", 0, request, "", b"", {}, 0)
    try:
        resp = http.request(method, url, dict(headers), body or None, DEFAULT_TIMEOUT)
    except Exception as e:  # any transport failure is a connection error, as goflow reports it
        elapsed = int((time.monotonic() - started) * 1000)
        failed = WebhookCall(method, url, "connection_error", 0, request, "", b"", {}, elapsed)
        failed.retries = int(getattr(e, "retries", 0))
        return failed
    elapsed = int((time.monotonic() - started) * 1000)
    status_code = int(resp.status)
    rbody = bytes(resp.body or b"")
    rheaders = dict(resp.headers or {})
    status = "success" if 200 <= status_code < 300 else "response_error"
    limit = engine.max_webhook_response_bytes
    if len(rbody) > limit:
        # as a download cut off at the limit: the headers are known, the body isn't usable
        session.log(
            {
                "type": "warning",
                "text": f"Webhook response exceeded the limit of {limit} bytes",
                "code": "webhook:response_size",
                "extra": {"limit": str(limit)},
            }
        )
        head = _response_text(status_code, rheaders, rbody, head_only=True)
        wc = WebhookCall(method, url, "connection_error", status_code, request, head, b"", rheaders, elapsed)
        wc.response_size = len(head.encode()) + len(rbody)
        wc.retries = int(getattr(resp, "retries", 0))
        return wc
    response = _response_text(status_code, rheaders, rbody)
    done = WebhookCall(method, url, status, status_code, request, response, rbody, rheaders, elapsed)
    done.retries = int(getattr(resp, "retries", 0))
    return done


def escape_url_part(s: str) -> str:
    """Expression output placed in a URL is escaped so it can't break the URL."""
    return urllib.parse.quote(s, safe="")


MAX_URL_CHARS = 2048
# hosts a flow may not call: messaging APIs whose misuse would bypass the channels
BLOCKED_HOSTS = ("graph.facebook.com",)


def check_url(url: str) -> dict[str, Any] | None:
    """An error event if the URL can't or mustn't be called, else None."""
    from upesi.flows.events import error_event

    shown = url if len(url) <= 255 else url[:252] + "..."
    try:
        u = urllib.parse.urlsplit(url)
    except ValueError:
        u = None
    if u is None or u.scheme not in ("http", "https") or not u.hostname or len(url) > MAX_URL_CHARS:
        return error_event(
            f"Webhook URL evaluated to an invalid URL: '{shown}'", "url:invalid", {"url": shown}
        )
    if u.hostname.lower() in BLOCKED_HOSTS:
        return error_event(
            f"Webhook calls to {u.hostname} are not allowed", "url:blocked", {"hostname": u.hostname}
        )
    return None
