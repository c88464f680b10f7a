"""Where uploaded and received media files live: under MEDIA_DIR (default var/media), as
<org id>/<media uuid>/<filename>, served by web without authentication (providers fetch them) at
/api/v2/media/<uuid>/<filename>. Web's media upload and mailroom's call recordings both store here."""

import os
import re
from pathlib import Path

from upesi.config import get_settings


def media_dir() -> Path:
    return Path(os.environ.get("MEDIA_DIR", "var/media"))


def safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", os.path.basename(name or "file")).strip("._") or "file"
    return cleaned[:100]


def relative_path(org_id: int, uuid: str, filename: str) -> Path:
    return Path(str(org_id)) / uuid / filename


def media_url(uuid: str, filename: str) -> str:
    return f"{get_settings().web_url.rstrip('/')}/api/v2/media/{uuid}/{filename}"


def write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
