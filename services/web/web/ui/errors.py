"""How UI errors look: a redirect to sign-in, or a small page (or JSON for the editor's endpoints)."""

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response


class LoginRequired(Exception):
    """Raised by the auth dependency when nobody is signed in."""


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
        from web.ui.render import error_page

        return error_page(request, exc.status_code, str(exc.detail))
