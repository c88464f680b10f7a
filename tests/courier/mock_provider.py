"""A scriptable provider mock for conformance sends: a real HTTP server on a free port, in a thread.

Courier runs with COURIER_OUTBOUND_RELAY pointing here, so every outbound request arrives with its
original scheme://host in X-Upesi-Relay-Target. Answers come from URL patterns ('*' wildcard), each
pattern's responses consumed in order, as the vector files describe."""

import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.processes import free_port


def _pattern(p: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in p.split("*")) + "$")


class MockProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict[str, Any]] = []
        self.responses: list[tuple[str, re.Pattern[str], list[dict[str, Any]]]] = []
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Upesi-Relay-Target", "")
                url = target + self.path
                parts = urlsplit(self.path)
                entry = {
                    "method": self.command,
                    "url": url,
                    "path": parts.path,
                    "query": parse_qs(parts.query, keep_blank_values=True),
                    "headers": {k: v for k, v in self.headers.items()},
                    "body": body,
                }
                content_type = self.headers.get("Content-Type", "")
                entry["form"] = (
                    parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                    if "form-urlencoded" in content_type
                    else {}
                )
                answer = mock._dynamic_answer(url, entry) or mock._answer(url)
                with mock.lock:
                    mock.requests.append(entry)
                if answer is None:
                    self._send(404, b'{"error": "no mock response"}', {})
                    return
                if answer.get("connection_error"):
                    self.close_connection = True
                    self.connection.close()
                    return
                raw = answer.get("body", "")
                if isinstance(raw, dict) and "$bytes_hex" in raw:
                    data = bytes.fromhex(raw["$bytes_hex"])
                else:
                    data = raw.encode() if isinstance(raw, str) else bytes(raw)
                self._send(int(answer.get("status", 200)), data, answer.get("headers") or {})

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if not any(k.lower() == "content-type" for k in headers):
                    self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "MockProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(
        self,
        responses: dict[str, list[dict[str, Any]]] | None = None,
        dynamic: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] | None = None,
    ) -> None:
        """Queue answers per URL pattern; `dynamic` answers computed from the request (a fake API)."""
        with self.lock:
            self.requests = []
            self.responses = [(p, _pattern(p), list(r)) for p, r in (responses or {}).items()]
            self.dynamic = [(_pattern(p), fn) for p, fn in (dynamic or {}).items()]

    def _dynamic_answer(self, url: str, entry: dict[str, Any]) -> dict[str, Any] | None:
        for pattern, fn in getattr(self, "dynamic", []):
            if pattern.match(url):
                return fn(entry)
        return None

    def _answer(self, url: str) -> dict[str, Any] | None:
        with self.lock:
            # most specific pattern first, so "*" is the fallback
            for _, pattern, queue in sorted(self.responses, key=lambda x: -len(x[0])):
                if queue and pattern.match(url):
                    return queue.pop(0)
        return None

    def unconsumed(self) -> int:
        with self.lock:
            return sum(len(q) for _, _, q in self.responses)
