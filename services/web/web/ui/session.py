"""Signed-cookie sessions and CSRF protection.

The session lives in a cookie signed with SECRET_KEY (Starlette's SessionMiddleware, itsdangerous); it
holds the user id, the workspace id and a CSRF token. The token is also set in a readable `csrftoken`
cookie because the flow editor copies that cookie into an `X-CSRFToken` header on its JSON writes, as it
did against Django (SameSite=Lax session cookies alone would not stop a cross-site form post). Forms carry it in a hidden `csrf_token` field."""

import hmac
import secrets

from fastapi import FastAPI, HTTPException, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from upesi.config import get_settings

SESSION_COOKIE = "upesi_session"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
# axios (inside the editor) sends this cookie back as X-XSRF-TOKEN on its own, which covers the
# simulator's posts: they carry no X-CSRFToken
AXIOS_COOKIE = "XSRF-TOKEN"
AXIOS_HEADER = "x-xsrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def add_session_middleware(app: FastAPI) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=get_settings().secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=14 * 24 * 3600,
        same_site="lax",
        # Secure cookies when the site is served over https (WEB_URL), so a session never travels in clear
        https_only=get_settings().web_url.startswith("https://"),
    )


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = csrf_token(request)
    response.set_cookie(CSRF_COOKIE, token, samesite="lax", httponly=False)
    response.set_cookie(AXIOS_COOKIE, token, samesite="lax", httponly=False)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose header or form field does not carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.headers.get(AXIOS_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(status_code=403, detail="CSRF verification failed")
