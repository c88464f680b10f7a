"""How UI errors look: a redirect to sign-in, or a page in the layout (with the menu when signed in), or JSON
for the editor's endpoints. A person never sees FastAPI's JSON or a bare "Internal Server Error"."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

log = logging.getLogger(__name__)
# pydantic's words for a person, by error type (others are shown in pydantic's words)
PLAIN = {
    "int_parsing": "enter a whole number",
    "float_parsing": "enter a number",
    "missing": "this field is required",
    "uuid_parsing": "not a valid UUID",
    "bool_parsing": "enter yes or no",
}
SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again."


class LoginRequired(Exception):
    """Raised by the auth dependency when nobody is signed in."""


API_SERVER_ERROR = "Server Error. Site administrators have been notified."
# paths whose callers are scripts (the editor, the API): they get JSON errors, never HTML
JSON_PREFIXES = (
    "/api/",
    "/flow/revisions/",
    "/flow/assets/",
    "/flow/activity/",
    "/flow/recent_contacts/",
    "/flow/simulate/",
    "/flow/completion",
    "/msg/media_upload/",
    "/contact/omnibox",
    "/flow/start_status/",
)


def install(app: FastAPI) -> None:
    from web.edge import ask_form_again  # the edge shows a UI form again (with the message) when it can

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith(JSON_PREFIXES) or request.method != "GET":
            return JSONResponse({"detail": "Authentication required"}, status_code=401)
        return RedirectResponse(f"/users/login/?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith(JSON_PREFIXES) or not wants_html or not isinstance(exc.detail, str):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return await _page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        """A form or query value of the wrong kind (e.g. an offset of "soon"): the page names the field."""
        problems = [f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
        if request.url.path.startswith(JSON_PREFIXES):
            return JSONResponse({"detail": problems}, status_code=400)
        first = exc.errors()[0] if exc.errors() else {}
        names = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
        message = PLAIN.get(str(first.get("type")), str(first.get("msg", "invalid")))
        ask_form_again(request, names[-1] if names else None, message)
        return await _page(request, 400, "; ".join(problems) or "Invalid input")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if request.url.path.startswith(JSON_PREFIXES):
            # RapidPro's words (temba.api.support.temba_exception_handler), which its API test asserts
            return JSONResponse({"detail": API_SERVER_ERROR}, status_code=500)
        return await _page(request, 500, SERVER_ERROR)


def _field(loc: tuple | list) -> str:
    """("body", "offset") -> "Offset"."""
    names = [str(part) for part in loc if part not in ("body", "query", "path", "form")]
    return " ".join(names).replace("_", " ").capitalize() or "Input"


async def _page(request: Request, status: int, message: str) -> Response:
    """The error in the layout, with the menu of whoever is signed in."""
    from web.ui.auth import get_ctx  # the auth module needs this one for LoginRequired
    from web.ui.render import render

    ctx = None
    if "session" in request.scope and request.session.get("user_id"):
        from upesi.db.engine import sessionmaker

        try:
            async with sessionmaker()() as db:
                ctx = await get_ctx(request, db)
        except Exception:  # the error page must render even when the database is what failed
            ctx = None
    return render(request, "error.html", {"ctx": ctx, "status": status, "message": message}, status)
