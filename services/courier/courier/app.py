"""The courier HTTP app: provider callbacks under /c/, /health and /metrics. The sender pool, dethrottler,
batched writers and spool flusher run in the same process, started by the lifespan."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from courier.ivr_proxy import IVRProxy
from courier.receiver import Receiver
from courier.runtime import Runtime
from courier.ussd import ROUTES as USSD_ROUTES
from courier.ussd import UssdReceiver
from upesi.metrics import QUEUE_DEPTH
from upesi.service import add_latency_middleware, common_router

_UUID_ACTION = re.compile(
    r"^(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(?P<action>[a-z_]+)/?$"
)
_ACTION = re.compile(r"^(?P<action>[a-z_]+)/?$")
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
IVR_ACTIONS = ("incoming", "handle", "status")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]


def create_app(with_sender: bool = True) -> FastAPI:
    rt = Runtime()
    receiver = Receiver(rt)
    ivr = IVRProxy()
    ussd = UssdReceiver(receiver)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await rt.start(with_sender=with_sender)
        try:
            yield
        finally:
            await ivr.close()
            await rt.stop()

    app = FastAPI(title="Upesi courier", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = rt

    async def collect() -> None:
        for queue, depth in (await rt.queues.depth()).items():
            QUEUE_DEPTH.labels(queue).set(depth)
        QUEUE_DEPTH.labels("courier:spool").set(rt.spool.count())

    app.include_router(common_router("courier", collect))
    add_latency_middleware(app, "courier")

    @app.get("/")
    async def index() -> JSONResponse:
        return JSONResponse({"component": "courier", "listener": "internet", "version": "upesi"})

    @app.api_route("/c/{channel_type}/{rest:path}", methods=METHODS)
    async def callback(channel_type: str, rest: str, request: Request) -> Response:
        m = _UUID_ACTION.match(rest)
        if m and (channel_type, m["action"]) in USSD_ROUTES:  # answered in-request (/c/at/{uuid}/ussd...)
            return await ussd.handle(request, channel_type, m["uuid"], m["action"])
        if m:
            return await receiver.handle(request, channel_type, m["uuid"], m["action"])
        if m := _ACTION.match(rest):
            return await receiver.handle(request, channel_type, None, m["action"])
        return JSONResponse(
            {"message": "Not Found", "data": [{"type": "error", "error": f"not found: {request.url.path}"}]},
            404,
        )

    @app.post("/mr/ivr/c/{channel_uuid}/{action}")
    async def ivr_callback(channel_uuid: str, action: str, request: Request) -> Response:
        if action not in IVR_ACTIONS or not re.match(_UUID, channel_uuid):
            return JSONResponse({"message": "Not Found", "error": f"not found: {request.url.path}"}, 404)
        return await ivr.forward(request, channel_uuid, action)

    return app
