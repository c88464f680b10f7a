"""Jinja2 page rendering with the layout's shared context (user, workspace, CSRF token, menu)."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from web.ui.session import csrf_token, set_csrf_cookie

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))

# the left menu, as RapidPro orders it: (path prefix, label, permission)
MENU = [
    ("/dashboard/", "Dashboard", "flow_read"),
    ("/msg/", "Messages", "msg_read"),
    ("/contact/", "Contacts", "contact_read"),
    ("/ticket/", "Tickets", "ticket_read"),
    ("/flow/", "Flows", "flow_read"),
    ("/campaign/", "Campaigns", "flow_read"),
    ("/trigger/", "Triggers", "trigger_read"),
    ("/channels/", "Channels", "channel_read"),
]


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    ctx = dict(context or {})
    c = ctx.get("ctx")
    ctx.setdefault("request", request)
    ctx["csrf_token"] = csrf_token(request)
    ctx["menu"] = [(p, label) for p, label, perm in MENU if c is None or c.can(perm)]
    ctx["path"] = request.url.path
    # a refused form shown again by the edge (web/edge.py FormAgain): the layout puts the message by the field
    ctx["form_again"] = request.scope.get("upesi.form_again")
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status)
