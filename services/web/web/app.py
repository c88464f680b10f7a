"""The web service: UI, RapidPro API v2, the flow editor's endpoints. It owns the schema."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from upesi.db.engine import dispose_engine
from upesi.queues.redis import close_redis
from upesi.service import add_latency_middleware, common_router


@asynccontextmanager
async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    yield
    await dispose_engine()
    await close_redis()


def create_app() -> FastAPI:
    app = FastAPI(title="Upesi", lifespan=lifespan, docs_url=None, redoc_url=None)
    add_latency_middleware(app, "web")
    app.include_router(common_router("web"))
    _include_optional_routers(app)
    return app


def _include_optional_routers(app: FastAPI) -> None:
    """Areas register themselves here as they are built."""
    from web.api.v2 import router as api_v2_router

    app.include_router(api_v2_router)
