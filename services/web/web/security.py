"""Security headers on every web response, as Django's SecurityMiddleware and clickjacking middleware give
RapidPro: no framing by other sites, no MIME sniffing, no full URLs in Referer to other origins, nothing
signed-in kept in shared or browser caches, and HSTS when the operator opts in (SECURE_HSTS_SECONDS)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upesi.config import get_settings

ALWAYS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        seconds = get_settings().secure_hsts_seconds
        self.hsts = f"max-age={seconds}; includeSubDomains" if seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
                if _authenticated(scope) and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _authenticated(scope: Scope) -> bool:
    """A signed-in browser (the session middleware inside has put the session in the scope) or an API call."""
    session = scope.get("session") or {}
    if session.get("user_id"):
        return True
    return any(name == b"authorization" for name, _ in scope.get("headers", []))
