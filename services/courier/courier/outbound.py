"""Outbound HTTP to providers, behind a small interface so handlers don't depend on the client library.

aiohttp rather than httpx: the perf notes show httpx slows down badly under concurrency. Every request is
recorded in the channel log, and refused when it targets a loopback/private address (SSRF guard) unless
ALLOW_PRIVATE_NETWORKS is set.

COURIER_OUTBOUND_RELAY (optional, for tests and sandboxes): a base URL every request is sent to instead of
its target host, with the original scheme://host in the X-Upesi-Relay-Target header. The path, query,
headers and body are unchanged, and the logs show the original URL.
"""

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from courier.handlers.base import SendError
from courier.logs import ChannelLogBuilder
from upesi.netguard import resolves_to_internal

USER_AGENT = "Courier/26.3 (Upesi)"
RELAY = os.environ.get("COURIER_OUTBOUND_RELAY", "").rstrip("/")
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Outbound:
    """One exchange group's HTTP client: every request is logged to `clog`."""

    def __init__(self, session: aiohttp.ClientSession, clog: ChannelLogBuilder, allow_private: bool) -> None:
        self.session = session
        self.clog = clog
        self.allow_private = allow_private

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | str | dict[str, Any] | list[tuple[str, str]] | None = None,
        json_body: Any = None,
    ) -> HttpResponse:
        """Send and record a request; raises SendError connection_failed when no response came back."""
        import json as jsonlib

        headers = dict(headers or {})
        headers.setdefault("User-Agent", USER_AGENT)
        body: bytes | None
        if json_body is not None:
            body = jsonlib.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict | list):
            body = urlencode(data, doseq=True).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        else:
            body = data

        parts = urlsplit(url)
        target, send_url = url, url
        if RELAY:
            send_url = RELAY + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers["X-Upesi-Relay-Target"] = f"{parts.scheme}://{parts.netloc}"
        check_host = urlsplit(send_url).hostname or ""
        request_trace = self._trace_request(method, url, headers, body)
        start = time.monotonic()
        if not self.allow_private and await asyncio.to_thread(resolves_to_internal, check_host):
            self.clog.http(target, 0, request_trace, "", 0)
            raise SendError("connection_failed", True, "request to a private or loopback address refused")
        try:
            async with self.session.request(
                method, send_url, headers=headers, data=body, timeout=TIMEOUT, allow_redirects=False
            ) as resp:
                content = await resp.read()
                elapsed = int((time.monotonic() - start) * 1000)
                resp_headers = {k: v for k, v in resp.headers.items()}
                self.clog.http(
                    target,
                    resp.status,
                    request_trace,
                    self._trace_response(resp.status, resp.reason or "", resp_headers, content),
                    elapsed,
                )
                return HttpResponse(resp.status, content, {k.lower(): v for k, v in resp_headers.items()})
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            elapsed = int((time.monotonic() - start) * 1000)
            self.clog.http(target, 0, request_trace, "", elapsed)
            raise SendError("connection_failed", True, str(e)) from e

    @staticmethod
    def _trace_request(method: str, url: str, headers: dict[str, str], body: bytes | None) -> str:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k != "X-Upesi-Relay-Target"]
        return "\r\n".join(lines) + "\r\n\r\n" + (body or b"").decode("utf-8", errors="replace")

    @staticmethod
    def _trace_response(status: int, reason: str, headers: dict[str, str], body: bytes) -> str:
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
        return "\r\n".join(lines) + "\r\n\r\n" + body.decode("utf-8", errors="replace")
