"""Mailroom: turns events into flow sessions and messages. Worker pools over the fair Redis queues, crons,
and an internal HTTP API for web (simulator, search, inspect)."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from mailroom.crons import CronRunner
from mailroom.foreman import Foreman
from mailroom.ivr import web as ivr_web
from mailroom.web import contact, flow, sim
from upesi.config import get_settings
from upesi.db.engine import dispose_engine
from upesi.metrics import QUEUE_DEPTH
from upesi.queues.fair import QUEUE_BATCH, QUEUE_REALTIME, QUEUE_THROTTLED, FairQueue
from upesi.queues.redis import close_redis, get_redis
from upesi.service import add_latency_middleware, common_router

QUEUES = (QUEUE_REALTIME, QUEUE_BATCH, QUEUE_THROTTLED)


async def collect_queue_depths() -> None:
    redis = get_redis()
    for name in QUEUES:
        QUEUE_DEPTH.labels(name).set(await FairQueue(redis, name).size())


@asynccontextmanager
async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    settings = get_settings()
    workers, lease = settings.mailroom_workers, settings.mailroom_task_lease_seconds
    # one workspace may hold at most half of a queue's workers, as the reference's WorkerOwnerLimit
    foremen = [
        Foreman(QUEUE_REALTIME, workers, max_active_per_owner=max(1, workers // 2), lease_seconds=lease),
        Foreman(
            QUEUE_BATCH, max(2, workers // 2), max_active_per_owner=max(1, workers // 4), lease_seconds=lease
        ),
        Foreman(
            QUEUE_THROTTLED,
            max(2, workers // 2),
            max_active_per_owner=max(1, workers // 4),
            lease_seconds=lease,
        ),
    ]
    for f in foremen:
        f.start()
    app.state.foremen = foremen
    crons = CronRunner()
    crons.start()
    yield
    await crons.stop()
    for f in foremen:
        await f.stop()
    await dispose_engine()
    await close_redis()


def create_app() -> FastAPI:
    app = FastAPI(title="Upesi mailroom", lifespan=lifespan, docs_url=None, redoc_url=None)
    add_latency_middleware(app, "mailroom")
    app.include_router(common_router("mailroom", collect=collect_queue_depths))
    for area in (sim, contact, flow, ivr_web):
        app.include_router(area.router)
    return app
