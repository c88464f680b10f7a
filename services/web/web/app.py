"""The web service: UI, RapidPro API v2, the flow editor's endpoints. It owns the schema."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from upesi.config import get_settings
from upesi.db.engine import dispose_engine
from upesi.queues.redis import close_redis
from upesi.service import add_latency_middleware, common_router
from web import edge
from web.security import SecurityHeaders


@asynccontextmanager
async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    from web.ui.export_worker import ExportWorker

    exports = ExportWorker()  # builds the exports users ask for (see export_worker.py for why here)
    exports.start()
    yield
    await exports.stop()
    await dispose_engine()
    await close_redis()


def create_app() -> FastAPI:
    get_settings().check_secret_key()  # before anything can sign a cookie with a key others know
    app = FastAPI(title="Upesi", lifespan=lifespan, docs_url=None, redoc_url=None)
    add_latency_middleware(app, "web")
    app.include_router(common_router("web"))
    edge.install(app)  # before the areas: its middleware sits inside the session middleware, for error pages
    _include_areas(app)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: every response gets the headers
    return app


def _include_areas(app: FastAPI) -> None:
    """Each area of the site registers itself through its package's `install(app)`."""
    from web import ui
    from web.api import v2

    app.include_router(v2.router)
    ui.install(app)
