"""A real local HTTP server to be a webhook's target: each path answers with a script of responses, one per
request (the last repeats), and every request it receives is recorded."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0  # seconds before answering
    drip: float = 0.0  # seconds between body bytes, for a target that sends its body slowly


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Target:
    def __init__(self, url: str) -> None:
        self.url = url
        self.scripts: dict[str, list[Reply]] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def script(self, path: str, *replies: Reply) -> str:
        """Answer requests to `path` with these replies in turn; returns the full URL."""
        self.scripts[path] = list(replies)
        return self.url + path

    def hits(self, path: str) -> int:
        return sum(1 for r in self.received if r.path == path)

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            replies = self.scripts.get(path) or [Reply(404, b"not found")]
            return replies.pop(0) if len(replies) > 1 else replies[0]


@contextmanager
def webhook_target() -> Iterator[Target]:
    target: Target

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?")[0]
            target.received.append(Received(self.command, path, dict(self.headers), body))
            reply = target.next_reply(path)
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                if reply.drip:
                    for i in range(len(reply.body)):
                        self.wfile.write(reply.body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                else:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as a time-out or size limit makes it

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    target = Target(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
