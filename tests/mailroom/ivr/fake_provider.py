"""What the fake voice providers (fake_twilio, fake_vonage) share: a real HTTP server in a thread, the calls it
was asked to create (and how many to refuse), the requests it took, the hang-ups asked for, a JSON reply, the
recording it serves, and a wait for the calls mailroom places. Each provider's module holds its own routes and
authentication (a ProviderHandler subclass) and its phone: the requests the provider makes to our callbacks."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar, cast

from tests.support.processes import free_port

CallT = TypeVar("CallT")


class ProviderHandler(BaseHTTPRequestHandler):
    """The provider's API as a request handler; `fake` is the FakeProviderServer it belongs to."""

    protocol_version = "HTTP/1.1"
    fake: "FakeProviderServer[Any]"

    def setup(self) -> None:
        super().setup()
        self.fake = cast(_Server, self.server).fake

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _recording(self) -> None:
        """The provider's recording file, as it serves one to the account's credentials."""
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(self.fake.recording)))
        self.end_headers()
        self.wfile.write(self.fake.recording)


class _Server(ThreadingHTTPServer):
    def __init__(self, fake: "FakeProviderServer[Any]", handler: type[ProviderHandler]) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", fake.port), handler)


class FakeProviderServer(Generic[CallT]):
    """Subclasses name their handler and recording; a `with` block runs the server."""

    handler: type[ProviderHandler]
    recording: bytes

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calls: list[CallT] = []  # every call the provider was asked to create
        self.requests: list[dict[str, Any]] = []
        self.hangups: list[str] = []
        self.refuse_next = 0  # answer that many call-creating requests with 400
        self.lock = threading.Lock()
        self.placed = threading.Condition(self.lock)
        self.server = _Server(self, self.handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def created(self, call: CallT) -> None:
        """A call the provider accepted; the handler holds the lock."""
        self.calls.append(call)
        self.placed.notify_all()

    def wait_for_calls(self, n: int, timeout: float = 30.0) -> list[CallT]:
        with self.placed:
            if not self.placed.wait_for(lambda: len(self.calls) >= n, timeout):
                raise TimeoutError(f"{len(self.calls)} calls created, expected {n}")
            return list(self.calls)
