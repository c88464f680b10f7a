"""A recording made during a call, downloaded from the provider (with the channel's credentials) and stored as
media, so the run's result links to our copy, which outlives the provider's, as mailroom does. The provider
may still be writing the file when it calls us: we try a few times, a second apart (mailroom tries for 45 s; a
callback must be answered well within the provider's 15 s)."""

import asyncio
import uuid as uuidlib

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.ivr.clogs import REDACTED, ChannelLog, trace_request, trace_response
from mailroom.ivr.services import IVRService, ServiceError
from upesi.media_files import media_dir, media_url, relative_path, safe_filename, write_file

ATTEMPTS = 5
MAX_BYTES = 20 * 1024 * 1024


async def store_recording(
    db: AsyncSession, svc: IVRService, org_id: int, attachment: str, clog: ChannelLog
) -> str:
    """Download "<content type>:<url>" and store it; returns the attachment of the stored copy."""
    content_type, _, url = attachment.partition(":")
    data = await _download(svc, url, clog)
    uuid = str(uuidlib.uuid4())
    filename = safe_filename(url.rsplit("/", 1)[-1])
    relative = relative_path(org_id, uuid, filename)
    await asyncio.to_thread(write_file, media_dir() / relative, data)
    stored_url = media_url(uuid, filename)
    await db.execute(
        text(
            """INSERT INTO media (uuid, org_id, content_type, filename, path, url, size)
               VALUES (CAST(:u AS uuid), :o, :ct, :f, :p, :url, :s)"""
        ),
        {"u": uuid, "o": org_id, "ct": content_type, "f": filename, "p": str(relative), "url": stored_url,
         "s": len(data)},
    )  # fmt: skip
    return f"{content_type}:{stored_url}"


async def _download(svc: IVRService, url: str, clog: ChannelLog) -> bytes:
    headers = svc.auth_headers()  # the channel's basic auth (Twilio), a fresh JWT (Vonage)
    shown = {k: REDACTED if k == "Authorization" else v for k, v in headers.items()}  # neither is logged
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(1)
            try:
                r = await client.get(url, headers=headers)
            except httpx.HTTPError as e:
                clog.http(url, 0, trace_request("GET", url, shown, ""), "", 0)
                clog.error(f"recording download failed: {e}", "connection")
                continue
            clog.http(url, r.status_code, trace_request("GET", url, shown, ""),
                      trace_response(r.status_code, dict(r.headers), f"({len(r.content)} bytes)"), 0)  # fmt: skip
            if r.status_code == 200 and len(r.content) <= MAX_BYTES:
                return r.content
    raise ServiceError("unable to download recording, ending call")
