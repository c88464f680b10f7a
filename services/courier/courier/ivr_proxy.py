"""IVR callbacks at RapidPro's paths (/mr/ivr/c/{channel uuid}/incoming, /handle, /status) on courier's
public port, passed to mailroom, which runs the voice flow and answers with TwiML. Mailroom's port is
internal: courier adds the mailroom token and says which public URL the provider requested
(X-Forwarded-Proto, -Host, -Path), since the provider signs that URL, and passes the provider's own
Authorization (Vonage's signed-webhook JWT) as X-Provider-Authorization. Courier's receive path is not
involved: a call's answer depends on the flow's next step, which only mailroom knows."""

import logging

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from upesi.config import get_settings

log = logging.getLogger(__name__)
TIMEOUT = 55.0  # the provider waits about as long (mailroom's own limit on an IVR callback)
PASSED_HEADERS = ("content-type", "x-twilio-signature")


class IVRProxy:
    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def forward(self, request: Request, channel_uuid: str, action: str) -> Response:
        settings = get_settings()
        query = request.url.query
        path = f"/mr/ivr/c/{channel_uuid}/{action}" + (f"?{query}" if query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() in PASSED_HEADERS}
        if provider_auth := request.headers.get("authorization"):
            # never a caller's own X-Provider-Authorization: only what came as Authorization is passed on
            headers["X-Provider-Authorization"] = provider_auth
        headers.update(
            {
                "Authorization": f"Token {settings.mailroom_auth_token}",
                "X-Forwarded-Proto": request.headers.get("x-forwarded-proto") or request.url.scheme,
                "X-Forwarded-Host": request.headers.get("x-forwarded-host")
                or request.headers.get("host", ""),
                "X-Forwarded-Path": request.headers.get("x-forwarded-path") or path,
            }
        )
        try:
            r = await self.client().post(
                settings.mailroom_url.rstrip("/") + path, content=await request.body(), headers=headers
            )
        except httpx.HTTPError as e:
            log.error("IVR callback not passed to mailroom", extra={"path": path, "error": str(e)})
            # 503: the provider retries or fails the call, and the outage is visible
            return JSONResponse({"message": "mailroom unavailable", "error": str(e)}, 503)
        return Response(r.content, r.status_code, media_type=r.headers.get("content-type"))
