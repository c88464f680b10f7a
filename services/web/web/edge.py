"""Bad input stopped at the edge, before any endpoint runs, and the database's refusals turned into answers:

- NUL characters (which PostgreSQL refuses in text) in the path, the query string, a form or a JSON body are
  answered 400 naming the field; JSON nested too deeply to parse is answered 400; bodies over MAX_BODY 413.
- an outage (PostgreSQL or Redis not answering) is answered 503 naming the service, so a client retries;
- a value PostgreSQL cannot take (an invalid UUID, a number out of range) is answered 400, naming the field
  whose value it was when the request says which.

Each is one check here rather than one per endpoint. API paths get API-shaped JSON ({field: [message]}). A UI
form post gets its form again (see `FormAgain`): the page it was sent from is rendered once more through the
app, with the message beside the field and the other values refilled; only when that page cannot be had does
the UI get its error page."""

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import asyncpg
import redis.exceptions
from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upesi.outages import down_service

log = logging.getLogger(__name__)
MAX_BODY = 20 * 1024 * 1024  # forms and JSON; file uploads (multipart) are limited where they are read
NUL = "\x00"
NUL_MESSAGE = "contains a NUL character, which is not allowed"
API_NUL_MESSAGE = (
    "Null characters are not allowed."  # DRF's ProhibitNullCharactersValidator, as RapidPro answers
)
_BAD_VALUE_ERRORS = (
    asyncpg.exceptions.DataError,  # invalid text representation (UUIDs), out of range, bad encoding...
    asyncpg.exceptions.InvalidTextRepresentationError,
)
# asyncpg: "invalid input for query argument $1: 'abc' (invalid UUID ...)"; Postgres: 'invalid input syntax
# for type uuid: "abc"'
_QUOTED = re.compile(r"""(?:argument \$\d+: '(?P<a>[^']*)'|: "(?P<b>[^"]*)")""")


# scope keys: the form's values as the edge read them, and the field error a handler (database refusal, value
# of the wrong kind) asks the edge to show in the form again
FORM_PAIRS = "upesi.form_pairs"
FIELD_ERROR = "upesi.field_error"
FORM_AGAIN = "upesi.form_again"  # what render() hands the layout on the page shown again
FORM_PAIRS_OK = "upesi.form_again_possible"  # set on UI form posts only


class BadInput(Exception):
    def __init__(self, status: int, field: str | None, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message
        self.path = (
            path  # a JSON body's keys and indexes down to the bad value (the API nests errors by them)
        )


def _nul_in(value: Any) -> tuple[str, ...] | None:
    """The keys and indexes down to the first string (or key) in a JSON value that holds a NUL."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return where
        elif isinstance(item, dict):
            for key, sub in item.items():
                if NUL in key:
                    return where
                stack.append((sub, (*where, key)))
        elif isinstance(item, list):
            stack.extend((sub, (*where, str(i))) for i, sub in enumerate(item))
    return None


def _dotted(path: tuple[str, ...]) -> str:
    return "".join(f"[{p}]" if p.isdigit() and i else (f".{p}" if i else p) for i, p in enumerate(path))


def _check_pairs(pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        if NUL in name or NUL in value:
            raise BadInput(400, name.replace(NUL, "") or "field", NUL_MESSAGE)


def check_request(scope: Scope, body: bytes | None) -> None:
    """Raise BadInput for what no endpoint should see."""
    if NUL in scope.get("path", ""):
        raise BadInput(400, None, f"the URL {NUL_MESSAGE}")
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        _check_pairs(parse_qsl(query, keep_blank_values=True))
    if body is None:
        return
    content_type = _header(scope, b"content-type")
    if "application/x-www-form-urlencoded" in content_type:
        _check_pairs(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    elif "json" in content_type and body.strip():
        try:
            parsed = json.loads(body)
        except RecursionError:
            raise BadInput(400, None, "JSON body nested too deeply") from None
        except ValueError:
            return  # the endpoint reports malformed JSON in its own words
        if (where := _nul_in(parsed)) is not None:
            raise BadInput(400, _dotted(where) or "body", NUL_MESSAGE, where)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1").lower()
    return ""


def _wants_json(scope: Scope) -> bool:
    from web.ui.errors import JSON_PREFIXES

    return scope.get("path", "").startswith(JSON_PREFIXES) or "text/html" not in _header(scope, b"accept")


def error_response(request: Request, status: int, field: str | None, message: str) -> Response:
    if _wants_json(request.scope):
        body = {field: [message]} if field else {"detail": message}
        return JSONResponse(body, status_code=status)
    from web.ui.render import error_page

    return error_page(request, status, f"{field}: {message}" if field else message)


def ask_form_again(request: Request, field: str | None, message: str) -> bool:
    """From an exception handler: have the edge show the UI form again with this message, rather than the
    response the handler returns (which is sent when the form cannot be had). False for API and JSON callers."""
    if not request.scope.get(FORM_PAIRS_OK):
        return False
    request.scope[FIELD_ERROR] = (field, message)
    return True


def _is_ui_form_post(scope: Scope) -> bool:
    content_type = _header(scope, b"content-type")
    is_form = "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type
    return scope.get("method") == "POST" and is_form and not _wants_json(scope) and FORM_AGAIN not in scope


class EdgeChecks:
    """The ASGI middleware: reads form and JSON bodies (up to MAX_BODY) to check them, then hands them on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type")
        checked_body = "json" in content_type or "application/x-www-form-urlencoded" in content_type
        ui_form = _is_ui_form_post(scope)
        original = dict(scope)  # before routing writes into it: the form page is requested from this
        body: bytes | None = None
        pairs: list[tuple[str, str]] = []
        try:
            if checked_body:
                body = await _read(receive)
            if ui_form and body is not None:
                pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            check_request(scope, body)
        except BadInput as e:
            if e.path and scope.get("path", "").startswith("/api/"):
                # RapidPro's shape: the error under its field, nested by key or index ({"fields": {"x": [...]}})
                nested: Any = [API_NUL_MESSAGE]
                for part in reversed(e.path[1:]):
                    nested = {part: nested}
                await JSONResponse({e.path[0]: nested}, status_code=400)(scope, receive, send)
                return
            if (
                ui_form
                and e.status == 400
                and await FormAgain(self.app, original, pairs).send(e.field, e.message, send)
            ):
                return
            await error_response(Request(scope), e.status, e.field, e.message)(scope, receive, send)
            return
        if ui_form:
            scope[FORM_PAIRS] = pairs
            scope[FORM_PAIRS_OK] = True
            send = _Withheld(scope, send)
        if body is None:
            await self.app(scope, receive, send)
        else:
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # the disconnect, when it comes

            await self.app(scope, replay, send)
        if isinstance(send, _Withheld) and send.withheld:
            field, message = scope[FIELD_ERROR]
            if not await FormAgain(self.app, original, pairs).send(field, message, send.send):
                await send.release()


class _Withheld:
    """Passes a response on, unless a handler asked for the form again before it started (then keeps it, to
    send only when the form cannot be had)."""

    def __init__(self, scope: Scope, send: Send) -> None:
        self.scope, self.send = scope, send
        self.withheld: list[Message] = []

    async def __call__(self, message: Message) -> None:
        if self.withheld or (message["type"] == "http.response.start" and FIELD_ERROR in self.scope):
            self.withheld.append(message)
        else:
            await self.send(message)

    async def release(self) -> None:
        for message in self.withheld:
            await self.send(message)


class FormAgain:
    """The page a refused UI form was sent from, rendered again through the app with the error: a GET of the
    Referer (same host) or else of the form's own path, carrying FORM_AGAIN for render() and the layout, whose
    script puts the message beside the field, opens the form's dialog and refills the other values. One way
    for every form, so no route needs its own code for bad input the edge or the database refuses."""

    def __init__(self, app: ASGIApp, scope: Scope, pairs: list[tuple[str, str]]) -> None:
        self.app, self.scope, self.pairs = app, scope, pairs

    def _page(self) -> tuple[str, bytes, str] | None:
        """The page's path, raw (still percent-encoded) path and query string."""
        from web.ui.errors import JSON_PREFIXES

        referer = _header(self.scope, b"referer")
        path, raw, query = self.scope["path"], self.scope.get("raw_path") or self.scope["path"].encode(), ""
        if referer:
            parts = urlsplit(referer)
            if parts.netloc and parts.netloc.lower() == _header(self.scope, b"host"):
                path, raw, query = unquote(parts.path or "/"), (parts.path or "/").encode(), parts.query
        if NUL in path or NUL in unquote(query) or path.startswith(JSON_PREFIXES):
            return None
        return path, raw, query

    async def send(self, field: str | None, message: str, send: Send) -> bool:
        page = self._page()
        if page is None:
            return False
        path, raw, query = page
        secret = (
            "csrf_token",
            "password",
            "current_password",
            "new_password",
            "new_password1",
            "new_password2",
        )
        # what was typed is put back (the refused value too, so it can be corrected), except secrets and NULs
        values = [(k, v) for k, v in self.pairs if k not in secret and NUL not in k + v]
        headers = [(k, v) for k, v in self.scope["headers"] if k not in (b"content-type", b"content-length")]
        scope = {
            **self.scope,
            "method": "GET",
            "path": path,
            "raw_path": raw,
            "query_string": query.encode("latin-1", errors="replace"),
            "headers": headers,
            FORM_AGAIN: {
                "action": self.scope["path"],
                "field": field or "",
                "text": f"{field}: {message}" if field else message,
                "values": values,
            },
        }
        got: list[Message] = []

        async def nothing() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def keep(message: Message) -> None:
            got.append(message)

        try:
            await self.app(scope, nothing, keep)
        except Exception:  # the page itself failed: the caller sends the plain answer instead
            log.exception("showing the form of %s again failed", self.scope["path"])
            return False
        start = got[0] if got else {}
        content_type = dict(start.get("headers", [])).get(b"content-type", b"")
        if start.get("status") != 200 or not content_type.startswith(b"text/html"):
            return False  # not a page (a Referer to a download, a redirect to sign in...): the plain answer
        body = b"".join(m.get("body", b"") for m in got[1:])
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [*kept, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return True


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BadInput(413, None, f"request body larger than {MAX_BODY // (1024 * 1024)} MB")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _field_holding(request: Request, value: str) -> str | None:
    """Which of the request's parameters held the value the database refused (path, query, then form)."""
    for name, given in request.path_params.items():
        if str(given) == value:
            return name
    for name, given in request.query_params.multi_items():
        if given == value:
            return name
    for name, given in request.scope.get(FORM_PAIRS, []):
        if given == value:
            return name
    return None


def install(app: FastAPI) -> None:
    app.add_middleware(EdgeChecks)

    async def database_error(request: Request, exc: Exception) -> Response:
        if service := down_service(exc):
            return error_response(request, 503, None, f"{service} is unavailable, try again later")
        cause = next((e for e in _causes(exc) if isinstance(e, _BAD_VALUE_ERRORS)), None)
        if cause is None:
            raise exc
        match = _QUOTED.search(str(cause))
        value = (match.group("a") or match.group("b")) if match else None
        field = _field_holding(request, value) if value is not None else None
        message = f"invalid value {value!r}" if value is not None else "invalid value"
        ask_form_again(request, field, message)
        return error_response(request, 400, field, message)

    # ConnectionError: asyncpg lets a refused connection through unwrapped (httpx wraps its own)
    for cls in (DBAPIError, asyncpg.PostgresError, redis.exceptions.RedisError, ConnectionError):
        app.add_exception_handler(cls, database_error)


def _causes(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or e in found:
            continue
        found.append(e)
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    return found
