"""Request latency for /metrics as a plain ASGI middleware: Starlette's BaseHTTPMiddleware (what
upesi.service.add_latency_middleware uses) runs each request through an extra task group and memory
streams, which cost courier's receive path about a tenth of its time under load (see NOTES)."""

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upesi.metrics import HTTP_LATENCY


class LatencyMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_LATENCY.labels(self.service, scope["method"], path, str(status)).observe(
                time.perf_counter() - start
            )
