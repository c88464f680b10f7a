"""Attachment upload from the editor's send-message form (RapidPro's /msg/media_upload/) and serving
the stored files. Files go under SPOOL_DIR/../media/<org uuid>/<uuid>/<name>; a Media row records them.

    POST /msg/media_upload/ multipart `file` → {type: "image/png", url: "http://…/media/…"}
"""

import re
import uuid as uuidlib
from pathlib import Path

from fastapi import APIRouter, HTTPException, UploadFile
from fastapi.responses import FileResponse
from starlette.responses import JSONResponse

from upesi.config import get_settings
from upesi.db.models.media import Media
from web.ui.auth import Csrf, CtxDep

router = APIRouter()
MAX_BYTES = 25 * 1024 * 1024


def media_root() -> Path:
    return Path(get_settings().spool_dir).resolve().parent / "media"


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"


@router.post("/msg/media_upload/", dependencies=[Csrf])
async def media_upload(ctx: CtxDep, file: UploadFile) -> JSONResponse:
    ctx.require("msg_send")
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return JSONResponse({"error": "File is too large (25 MB at most)"}, status_code=400)
    media_uuid = str(uuidlib.uuid4())
    rel = Path(ctx.org.uuid) / media_uuid / _safe_name(file.filename or "file")
    target = media_root() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    content_type = file.content_type or "application/octet-stream"
    url = f"{get_settings().web_url.rstrip('/')}/media/{rel.as_posix()}"
    ctx.db.add(
        Media(
            uuid=media_uuid,
            org_id=ctx.org.id,
            content_type=content_type,
            filename=file.filename or rel.name,
            path=rel.as_posix(),
            url=url,
            size=len(data),
            created_by_id=ctx.user.id,
        )
    )
    await ctx.db.commit()
    return JSONResponse({"type": content_type, "url": url})


@router.get("/media/{org_uuid}/{media_uuid}/{name}")
async def media_file(org_uuid: str, media_uuid: str, name: str) -> FileResponse:
    """Public like RapidPro's storage URLs: channels fetch attachments without a session."""
    root = media_root().resolve()
    path = (root / org_uuid / media_uuid / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(status_code=404, detail="No such file")
    return FileResponse(path)
