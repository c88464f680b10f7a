"""The v2 router and the decorator endpoints register through: it serves both `/name.json` and `/name`,
and runs authentication, the permission check and throttling (in DRF's order) before the handler.
Registered endpoints are remembered for the root listing and the OpenAPI document."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from web.api.v2.auth import APIContext, authenticate
from web.api.v2.errors import APIError, V2Route, detail
from web.api.v2.permissions import has_permission
from web.api.v2.throttle import throttle

router = APIRouter(prefix="/api/v2", route_class=V2Route)
WORKSPACE_HEADER = "X-Temba-Workspace"

Handler = Callable[[Request, APIContext], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    permission: str
    summary: str
    params: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    # the model of what a success answers (objects.py); None for an operation that answers 204 only
    response: type[BaseModel] | None = None


@dataclass
class EndpointDoc:
    name: str
    operations: list[Operation] = field(default_factory=list)
    listed: bool = True


ENDPOINTS: dict[str, EndpointDoc] = {}


def endpoint(
    name: str,
    method: str,
    permission: str,
    *,
    scope: str = "v2",
    summary: str = "",
    params: list[str] | None = None,
    body: list[str] | None = None,
    listed: bool = True,
    response: type[BaseModel] | None = None,
) -> Callable[[Handler], Handler]:
    """Register `handler(request, ctx)` for METHOD on /api/v2/<name>(.json). A dict or list it returns is
    sent as JSON with 200; return a Response for anything else (201, 204...). `response` declares what a success
    answers (a model of objects.py): the OpenAPI document and the docs are generated from it."""

    def decorate(handler: Handler) -> Handler:
        async def route(request: Request) -> Response:
            if not request.url.path.endswith(".json") and "authorization" not in request.headers:
                from web.api.v2.docs import docs_response  # docs import this module

                return docs_response(name, request)
            ctx = await authenticate(request)
            # RapidPro names the token's workspace on every answer, errors included
            workspace = {WORKSPACE_HEADER: str(ctx.org.uuid)}
            try:
                if not has_permission(ctx.role, permission):
                    raise detail(403, "You do not have permission to perform this action.")
                await throttle(ctx, scope)
                result = await handler(request, ctx)
            except APIError as e:
                e.headers = {**e.headers, **workspace}
                raise
            if not isinstance(result, Response):
                # orjson: a 250-item page serialises several times faster than with the standard library
                result = Response(orjson.dumps(result), media_type="application/json")
            result.headers.update(workspace)
            return result

        route.__name__ = f"{name}_{method.lower()}"
        for path in (f"/{name}.json", f"/{name}"):
            router.add_api_route(path, route, methods=[method], include_in_schema=False)
        doc = ENDPOINTS.setdefault(name, EndpointDoc(name))
        doc.listed = doc.listed and listed
        doc.operations.append(Operation(method, permission, summary, params or [], body or [], response))
        return handler

    return decorate


def add_method_fallbacks() -> None:
    """DRF answers a method an endpoint lacks with 405 `Method "DELETE" not allowed.` (after authenticating, as
    DRF's dispatch does) and an Allow header; called once every endpoint module has registered."""
    for name, doc in ENDPOINTS.items():
        allowed = sorted({op.method for op in doc.operations} | {"OPTIONS"})
        missing = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m not in allowed]
        if missing:
            for path in (f"/{name}.json", f"/{name}"):
                router.add_api_route(
                    path, _not_allowed(name, allowed), methods=missing, include_in_schema=False
                )


def _not_allowed(name: str, allowed: list[str]) -> Callable[[Request], Awaitable[Response]]:
    async def not_allowed(request: Request) -> Response:
        if not request.url.path.endswith(".json") and "authorization" not in request.headers:
            from web.api.v2.docs import docs_response

            return docs_response(name, request)
        ctx = await authenticate(request)
        raise APIError(
            405,
            {"detail": f'Method "{request.method}" not allowed.'},
            {"Allow": ", ".join(allowed), WORKSPACE_HEADER: str(ctx.org.uuid)},
        )

    not_allowed.__name__ = f"{name}_not_allowed"
    return not_allowed


def created(body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=201, media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)
