"""The API's self-description: the root listing (/api/v2/), an OpenAPI 3.1 document built from the
registered endpoints (/api/v2/openapi.json), and a browsable explorer served from local files only
(/api/v2/explorer/), so it works offline and behind strict content policies."""

from html import escape
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Membership, Org, User
from web.api.v2 import docs_html
from web.api.v2.errors import not_found
from web.api.v2.routing import ENDPOINTS, router

EXPLORER_DIR = Path(__file__).parent / "explorer"
EXPLORER_FILES = {"index.html": "text/html", "explorer.js": "text/javascript", "explorer.css": "text/css"}

PARAM_DOCS = {
    "uuid": "Filter or look up by UUID",
    "before": "Only objects on or before this ISO 8601 datetime",
    "after": "Only objects on or after this ISO 8601 datetime",
    "reverse": "Oldest first (true/false or 1/0)",
    "cursor": "Opaque position from a previous page's next/previous URL",
}
ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}

# the fields of each endpoint's objects, as the serializers write them (documentation only)
SHAPES: dict[str, list[str]] = {
    "archives": ["type", "start_date", "period", "record_count", "size", "hash", "download_url"],
    "boundaries": ["osm_id", "name", "parent", "level", "aliases", "geometry"],
    "broadcasts": ["id", "uuid", "status", "progress", "urns", "contacts", "groups", "text", "attachments",
                   "quick_replies", "base_language", "created_on"],
    "campaigns": ["uuid", "name", "archived", "group", "created_on"],
    "campaign_events": ["uuid", "campaign", "relative_to", "offset", "unit", "delivery_hour", "flow", "message",
                        "created_on"],
    "channels": ["uuid", "name", "address", "type", "country", "device", "last_seen", "created_on"],
    "channel_events": ["id", "type", "contact", "channel", "extra", "occurred_on", "created_on"],
    "classifiers": ["uuid", "name", "type", "intents", "created_on"],
    "contacts": ["uuid", "name", "status", "language", "urns", "groups", "notes", "fields", "flow", "created_on",
                 "modified_on", "last_seen_on", "blocked", "stopped", "anon_display", "ref"],
    "fields": ["key", "name", "type", "featured", "priority", "usages", "agent_access", "label", "value_type"],
    "flow_starts": ["id", "uuid", "flow", "status", "progress", "groups", "contacts", "urns", "restart_participants",
                    "exclude_active", "params", "extra", "created_on", "modified_on"],
    "flows": ["uuid", "name", "type", "archived", "labels", "expires", "runs", "results", "parent_refs", "created_on",
              "modified_on"],
    "globals": ["key", "name", "value", "modified_on"],
    "groups": ["uuid", "name", "query", "status", "system", "count"],
    "labels": ["uuid", "name", "count"],
    "media": ["uuid", "content_type", "url", "filename", "size"],
    "messages": ["id", "uuid", "broadcast", "contact", "urn", "channel", "direction", "type", "status", "archived",
                 "visibility", "text", "labels", "flow", "attachments", "quick_replies", "created_on", "sent_on",
                 "modified_on", "media"],
    "optins": ["uuid", "name", "created_on"],
    "resthook_events": ["resthook", "data", "created_on"],
    "resthook_subscribers": ["id", "resthook", "target_url", "created_on"],
    "resthooks": ["resthook", "created_on", "modified_on"],
    "runs": ["id", "uuid", "flow", "contact", "start", "responded", "path", "values", "created_on", "modified_on",
             "exited_on", "exit_type"],
    "tickets": ["uuid", "contact", "status", "topic", "body", "assignee", "opened_on", "opened_by", "opened_in",
                "modified_on", "closed_on"],
    "topics": ["uuid", "name", "counts", "system", "created_on"],
    "users": ["uuid", "email", "first_name", "last_name", "role", "team", "avatar", "created_on"],
    "workspace": ["uuid", "name", "country", "languages", "primary_language", "timezone", "date_style", "credits",
                  "anon"],
}  # fmt: skip


def _schema(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {f: {} for f in SHAPES.get(name, [])}}


def _page(name: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": "#/components/schemas/Page"},
                      {"type": "object", "properties": {"results": {"type": "array", "items": _schema(name)}}}]}  # fmt: skip


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/api/v2"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@router.get("/", include_in_schema=False)
@router.get("", include_in_schema=False)
@router.get("/.json", include_in_schema=False)
async def root(request: Request) -> Response:
    """RapidPro's root view: the HTML docs for a browser (or anyone who does not ask for JSON), else endpoint
    name to URL (the docs URL, without .json, as RapidPro lists them)."""
    if not request.url.path.endswith(".json") and not _wants_json(request):
        return docs_html.root_page()
    base = _base(request)
    return JSONResponse({name: f"{base}/{name}" for name, doc in sorted(ENDPOINTS.items()) if doc.listed})


@router.api_route("/", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
@router.api_route("", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def root_not_allowed() -> Response:
    """RapidPro answers a write to the root with its docs and 405."""
    return docs_html.root_page(status=405)


def docs_response(name: str, request: Request) -> Response:
    """/api/v2/<name> without .json and without credentials: that endpoint's docs, to anyone. A write there is
    refused (403) with the docs, as RapidPro's permission check refuses the anonymous user."""
    status = 200 if request.method == "GET" else 403
    return docs_html.endpoint_page(ENDPOINTS[name], SHAPES.get(name, []), status=status)


async def _api_redirect() -> Response:
    return RedirectResponse("/api/v2/", status_code=302)


# /api/ leads to the v2 docs; the route sits outside the /api/v2 prefix, so it is added as a finished route
for _path in ("/api", "/api/"):
    router.routes.append(APIRoute(_path, _api_redirect, methods=["GET"], include_in_schema=False))


def _operation(name: str, op: Any) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "400": {"description": "Invalid parameters or body: a field-error dict or {detail}"},
        "403": {
            "description": "Invalid token or no permission",
            "content": {"application/json": {"schema": ERROR}},
        },
        "404": {"description": "Not found", "content": {"application/json": {"schema": ERROR}}},
        "429": {
            "description": "Throttled; see the Retry-After header",
            "content": {"application/json": {"schema": ERROR}},
        },
    }
    if op.method == "GET":
        single = name in ("workspace", "org", "definitions")
        schema = _schema("workspace" if name == "org" else name) if single else _page(name)
        responses["200"] = {
            "description": "One object" if single else "A page of results",
            "content": {"application/json": {"schema": schema}},
        }
    elif op.method == "POST":
        responses["201"] = {
            "description": "Created",
            "content": {"application/json": {"schema": _schema(name)}},
        }
        responses["200"] = {"description": "Updated (with a lookup parameter), or action failures"}
        responses["204"] = {"description": "Action done"}
    else:
        responses["204"] = {"description": "Deleted"}
    params = list(op.params) + (["cursor"] if op.method == "GET" else [])
    operation: dict[str, Any] = {
        "operationId": f"{name}_{op.method.lower()}",
        "summary": op.summary or name,
        "tags": [name],
        "description": f"Requires permission `{op.permission}`.",
        "parameters": [
            {
                "name": p,
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": PARAM_DOCS.get(p, p),
            }
            for p in params
        ],
        "responses": responses,
    }
    if op.body:
        content_type = "multipart/form-data" if op.body == ["file"] else "application/json"
        properties = {b: ({"type": "string", "format": "binary"} if b == "file" else {}) for b in op.body}
        operation["requestBody"] = {
            "content": {content_type: {"schema": {"type": "object", "properties": properties}}}
        }
    return operation


def openapi_document(base: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name, doc in sorted(ENDPOINTS.items()):
        paths[f"/{name}.json"] = {op.method.lower(): _operation(name, op) for op in doc.operations}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Upesi API v2 (RapidPro compatible)",
            "version": "2",
            "description": "RapidPro's REST API v2. Authenticate with `Authorization: Token <key>`.",
        },
        "servers": [{"url": base}],
        "security": [{"token": []}, {"basic": []}],
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <key>",
                },
                "basic": {"type": "http", "scheme": "basic", "description": "email:token"},
            },
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "next": {"type": ["string", "null"]},
                        "previous": {"type": ["string", "null"]},
                        "results": {"type": "array", "items": {"type": "object"}},
                    },
                }
            },
        },
        "paths": paths,
    }


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(_base(request)))


EXPLORER_ROLES = ("administrator", "editor")


@router.get("/explorer", include_in_schema=False)
@router.get("/explorer/", include_in_schema=False)
@router.get("/explorer/{filename}", include_in_schema=False)
async def explorer(request: Request, filename: str = "index.html") -> Response:
    """The explorer page needs a logged-in administrator or editor (RapidPro's api.apitoken_explorer); its
    script and style are served to anyone."""
    if filename not in EXPLORER_FILES:
        raise not_found()
    if filename != "index.html":
        return FileResponse(EXPLORER_DIR / filename, media_type=EXPLORER_FILES[filename])
    workspace = await _explorer_workspace(request)
    if workspace is None:
        return RedirectResponse(f"/users/login/?next={request.url.path}", status_code=302)
    page = (EXPLORER_DIR / filename).read_text().replace("{{workspace}}", escape(workspace))
    return HTMLResponse(page)


async def _explorer_workspace(request: Request) -> str | None:
    """The name of the session's workspace when its user may use the explorer there."""
    session = request.scope.get("session") or {}
    user_id, org_id = session.get("user_id"), session.get("org_id")
    if not user_id or not org_id:
        return None
    async with transaction() as s:
        name = (
            await s.execute(
                select(Org.name)
                .join(Membership, Membership.org_id == Org.id)
                .join(User, User.id == Membership.user_id)
                .where(
                    Org.id == org_id, Org.is_active, User.id == user_id, User.is_active,
                    Membership.role.in_(EXPLORER_ROLES),
                )
            )
        ).scalar_one_or_none()  # fmt: skip
    return name
