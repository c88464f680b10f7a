"""The API's self-description: the root listing (/api/v2/), an OpenAPI 3.1 document built from the
registered endpoints (/api/v2/openapi.json), and a browsable explorer served from local files only
(/api/v2/explorer/), so it works offline and behind strict content policies."""

from html import escape
from pathlib import Path
from typing import Any, cast

from fastapi import Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web.api.v2 import docs_html, objects
from web.api.v2.auth import session_context
from web.api.v2.errors import not_found
from web.api.v2.routing import ENDPOINTS, Operation, router

EXPLORER_DIR = Path(__file__).parent / "explorer"
EXPLORER_FILES = {"index.html": "text/html", "explorer.js": "text/javascript", "explorer.css": "text/css"}

PARAM_DOCS = {
    "uuid": "Filter or look up by UUID",
    "before": "Only objects on or before this ISO 8601 datetime",
    "after": "Only objects on or after this ISO 8601 datetime",
    "reverse": "Oldest first (true/false or 1/0)",
    "cursor": "Opaque position from a previous page's next/previous URL",
    "urn_order": "With expand_urns: 'priority' keeps the contact's URN order (else URNs with a channel first)",
}
_STR: dict[str, Any] = {"type": "string"}
_STRS: dict[str, Any] = {"type": "array", "items": _STR}
_TRANSLATED: dict[str, Any] = {"anyOf": [_STR, {"type": "object", "additionalProperties": _STR}]}
# what each body field takes (RapidPro's write serializers); a field not listed here is refused by a test
BODY_FIELDS: dict[str, dict[str, Any]] = {
    "action": _STR, "assignee": {"type": ["string", "null"]}, "base_language": _STR, "campaign": _STR,
    "contact": _STR, "contacts": _STRS, "delivery_hour": {"type": "integer"}, "exclude_active": {"type": "boolean"},
    "extra": {"type": "object"}, "fields": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
    "file": {"type": "string", "format": "binary"}, "flow": {"type": ["string", "null"]}, "group": _STR,
    "groups": _STRS, "label": _STR, "label_name": _STR, "language": {"type": ["string", "null"]},
    "message": _TRANSLATED, "messages": {"type": "array", "items": {"type": "integer"}}, "name": _STR,
    "note": _STR, "offset": {"type": "integer"}, "params": {"type": "object"},
    "quick_replies": {"anyOf": [{"type": "array", "items": {"anyOf": [_STR, {"type": "object"}]}},
                                {"type": "object"}]},
    "relative_to": _STR, "restart_participants": {"type": "boolean"}, "resthook": _STR,
    "target_url": {"type": "string", "format": "uri"}, "text": _TRANSLATED, "tickets": _STRS,
    "topic": {"type": ["string", "null"]}, "type": _STR, "unit": {"type": "string", "enum": ["minutes", "hours",
    "days", "weeks"]}, "urns": _STRS, "value": _STR,
    "attachments": {"anyOf": [_STRS, {"type": "object", "additionalProperties": _STRS}]},
}  # fmt: skip

# every answer that is not a success, and the status codes a client may meet on any operation
ERRORS: dict[str, tuple[str, type[BaseModel]]] = {
    "400": ("Invalid parameters or body: errors by field, or {detail}", objects.FieldErrors),
    "403": ("Invalid token or no permission", objects.Detail),
    "404": ("Not found (or an invalid cursor)", objects.Detail),
    "405": ("Method not allowed", objects.Detail),
    "409": ("A workspace limit is reached", objects.Detail),
    "413": ("Body too large", objects.Detail),
    "429": ("Throttled; see the Retry-After header", objects.Detail),
    "503": ("A service the request needs (PostgreSQL, Redis) is down", objects.Detail),
}


def item_model(response: type[BaseModel]) -> type[BaseModel]:
    """The object a page lists (Page[Label] -> Label), or the response model itself."""
    if issubclass(response, objects.Page):
        (item,) = response.__pydantic_generic_metadata__["args"]
        return cast(type[BaseModel], item)
    return response


def object_fields(name: str) -> list[tuple[str, str]]:
    """(field, description) of the objects an endpoint answers, for its docs page."""
    doc = ENDPOINTS[name]
    models = [item_model(op.response) for op in doc.operations if op.response is not None]
    if not models:
        return []
    schema = models[0].model_json_schema()
    return [
        (field, ("deprecated. " if prop.get("deprecated") else "") + prop.get("description", ""))
        for field, prop in schema.get("properties", {}).items()
    ]


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
    return docs_html.endpoint_page(ENDPOINTS[name], object_fields(name), status=status)


async def _api_redirect() -> Response:
    return RedirectResponse("/api/v2/", status_code=302)


# /api/ leads to the v2 docs; the route sits outside the /api/v2 prefix, so it is added as a finished route
for _path in ("/api", "/api/"):
    router.routes.append(APIRoute(_path, _api_redirect, methods=["GET"], include_in_schema=False))


def _content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ref}}}


def _operation(name: str, op: Operation, refs: dict[type[BaseModel], str]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        code: {"description": text, "content": _content(refs[model])}
        for code, (text, model) in ERRORS.items()
    }
    response = op.response
    if response is None:
        responses["204"] = {"description": "Deleted" if op.method == "DELETE" else "Done"}
    elif op.method == "GET":
        single = not issubclass(response, objects.Page)
        responses["200"] = {
            "description": "One object" if single else "A page of results",
            "content": _content(refs[response]),
        }
    elif response in (objects.MessageFailures, objects.TicketFailures):
        responses["200"] = {
            "description": "Some could not take the action",
            "content": _content(refs[response]),
        }
        responses["204"] = {"description": "Done for every one"}
    else:
        responses["201"] = {"description": "Created", "content": _content(refs[response])}
        if op.params:
            responses["200"] = {
                "description": "Updated (with a lookup parameter)",
                "content": _content(refs[response]),
            }
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
        properties = {b: BODY_FIELDS[b] for b in op.body}
        operation["requestBody"] = {
            "content": {content_type: {"schema": {"type": "object", "properties": properties}}}
        }
    return operation


def _schemas() -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    """Every model an operation answers, with the ones they embed, as OpenAPI components: {model: $ref} and the
    component schemas."""
    models = {model for _, model in ERRORS.values()}
    models |= {op.response for doc in ENDPOINTS.values() for op in doc.operations if op.response is not None}
    ordered = sorted(models, key=lambda m: m.__name__)
    keys, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    return {m: keys[(m, "validation")]["$ref"] for m in ordered}, defs.get("$defs", {})


def openapi_document(base: str) -> dict[str, Any]:
    refs, schemas = _schemas()
    paths: dict[str, Any] = {}
    for name, doc in sorted(ENDPOINTS.items()):
        paths[f"/{name}.json"] = {op.method.lower(): _operation(name, op, refs) for op in doc.operations}
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
            "schemas": schemas,
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
    """The name of the session's workspace when its user may use the explorer there (the session as the API's
    session authentication reads it: a live session, an active user and workspace)."""
    ctx = await session_context(request)
    return ctx.org.name if ctx is not None and ctx.role in EXPLORER_ROLES else None
