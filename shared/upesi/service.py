"""What every HTTP service has: /health, /metrics and request latency, in one place."""

import time
from collections.abc import Awaitable, Callable

import asyncpg
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from upesi.config import get_settings
from upesi.metrics import HTTP_LATENCY, REGISTRY
from upesi.queues.redis import get_redis


async def check_dependencies() -> dict[str, str]:
    """'ok' or the error for Postgres and Redis, each given two seconds."""
    status: dict[str, str] = {}
    try:
        conn = await asyncpg.connect(get_settings().asyncpg_dsn, timeout=2)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()
        status["postgres"] = "ok"
    except Exception as e:
        status["postgres"] = f"down: {e.__class__.__name__}: {e}"
    try:
        await get_redis().ping()
        status["redis"] = "ok"
    except Exception as e:
        status["redis"] = f"down: {e.__class__.__name__}: {e}"
    return status


def common_router(
    service: str, collect: Callable[[], Awaitable[None]] | None = None, health_path: str = "/health"
) -> APIRouter:
    router = APIRouter()

    @router.get(health_path, include_in_schema=False)
    async def health() -> JSONResponse:
        deps = await check_dependencies()
        down = sorted(name for name, state in deps.items() if state != "ok")
        body = {
            "service": service,
            "status": "ok" if not down else "unavailable",
            "down": down,
            "checks": deps,
        }
        return JSONResponse(body, status_code=200 if not down else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if collect is not None:
            try:
                await collect()
            except Exception:  # metrics must answer even when Redis is down
                pass
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


def add_latency_middleware(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def timing(request: Request, call_next):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_LATENCY.labels(service, request.method, path, str(status)).observe(
                time.perf_counter() - start
            )
