"""media (POST multipart `file`): upload an attachment; the UUID it answers is what messages and
broadcasts take as attachments. Files are stored under MEDIA_DIR (default var/media) and served,
without authentication as providers must fetch them, at /api/v2/media/<uuid>/<filename>."""

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.datastructures import UploadFile

from upesi.db.engine import transaction
from upesi.db.models import Media
from upesi.media_files import media_dir, media_url, relative_path, safe_filename, write_file
from web.api.v2.auth import APIContext
from web.api.v2.errors import field_error, not_found
from web.api.v2.routing import created, endpoint, router
from web.api.v2.values import is_uuid, new_uuid

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_PREFIXES = ("image/", "audio/", "video/", "application/pdf")
CHUNK = 1024 * 1024


@endpoint(
    "media", "POST", "msgs.media_create", summary="Upload media (multipart field `file`)", body=["file"]
)
async def upload(request: Request, ctx: APIContext) -> Any:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise field_error("file", "No file was submitted.")
    content_type = (upload.content_type or "application/octet-stream").split(";")[0].strip().lower()
    if not content_type.startswith(ALLOWED_PREFIXES):
        raise field_error("file", "Unsupported file type.")
    uuid = new_uuid()
    filename = safe_filename(upload.filename or "file")
    relative = relative_path(ctx.org_id, uuid, filename)
    target = media_dir() / relative
    # read in chunks so an oversized upload is refused without holding more than the limit in memory
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES:
            raise field_error("file", f"Limit for file uploads is {MAX_BYTES / (1024 * 1024)} MB.")
        chunks.append(chunk)
    await asyncio.to_thread(write_file, target, b"".join(chunks))
    url = media_url(uuid, filename)
    async with transaction() as session:
        media = Media(uuid=uuid, org_id=ctx.org_id, content_type=content_type, filename=filename, path=str(relative),
                      url=url, size=size, created_by_id=ctx.user_id)  # fmt: skip
        session.add(media)
    return created(
        {"uuid": uuid, "content_type": content_type, "url": url, "filename": filename, "size": size}
    )


@router.get("/media/{uuid}/{filename}", include_in_schema=False)
async def download(uuid: str, filename: str) -> FileResponse:
    if not is_uuid(uuid):
        raise not_found()
    async with transaction() as session:
        media = (await session.execute(select(Media).where(Media.uuid == uuid))).scalar_one_or_none()
    if media is None or media.filename != filename:
        raise not_found()
    return FileResponse(media_dir() / media.path, media_type=media.content_type)
