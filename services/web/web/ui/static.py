"""Static files: ours, and the npm packages the flow editor needs, served straight from node_modules
(`make install` runs `npm ci`); nothing comes from a CDN."""

import gzip
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import Scope

WEB = Path(__file__).resolve().parents[2]
NODE = WEB / "node_modules" / "@nyaruka"
EDITOR_BUILD = NODE / "flow-editor" / "build"
COMPONENTS_DIST = NODE / "temba-components" / "dist"
COMPONENTS_STATIC = NODE / "temba-components" / "static"


# a content hash in the file name (main.1ba44e07.chunk.js): the name changes whenever the content does
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.")
COMPRESSIBLE = {".js", ".css", ".json", ".svg", ".map", ".txt", ".html"}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"  # then revalidated with the ETag StaticFiles gives


class CompressedStaticFiles(StaticFiles):
    """Static files gzipped once per file and process (the editor's 2.7 MB of JavaScript is about a
    quarter of that compressed), with a year's cache lifetime on fingerprinted names."""

    def file_response(
        self,
        full_path: "os.PathLike[str] | str",
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        path = Path(full_path)
        response.headers["Cache-Control"] = IMMUTABLE if FINGERPRINTED.search(path.name) else REVALIDATE
        accepts_gzip = "gzip" in Headers(scope=scope).get("accept-encoding", "")
        if (
            not isinstance(response, FileResponse)
            or path.suffix not in COMPRESSIBLE
            or stat_result.st_size < 1024
        ):
            return response
        response.headers["Vary"] = "Accept-Encoding"
        if not accepts_gzip:
            return response
        body = _gzipped(str(path), stat_result.st_mtime_ns, stat_result.st_size)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)}
        headers["Content-Encoding"] = "gzip"
        return Response(body, status_code=status_code, headers=headers, media_type=response.media_type)


async def _favicon() -> Response:
    return RedirectResponse("/static/upesi/favicon.svg", status_code=301)


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """Keyed by modification time and size too, so a file replaced on disk is compressed again."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def mount(app: FastAPI) -> None:
    # browsers ask for /favicon.ico whatever the page says
    app.add_api_route("/favicon.ico", _favicon, methods=["GET"], include_in_schema=False)
    app.mount("/static/upesi", CompressedStaticFiles(directory=WEB / "static" / "upesi"), name="upesi-static")
    # check_dir=False: without node_modules the pages still render; the editor page says what is missing
    app.mount(
        "/static/flow-editor",
        CompressedStaticFiles(directory=EDITOR_BUILD, check_dir=False),
        name="flow-editor",
    )
    app.mount(
        "/static/temba",
        CompressedStaticFiles(directory=COMPONENTS_DIST, check_dir=False),
        name="temba-components",
    )


@lru_cache
def editor_assets() -> dict[str, list[str]]:
    """The editor's entry points in manifest order (runtime, vendor chunk, main) and its stylesheet. The
    stale temba-components copy inside the editor build is never used (it lacks the store's getState)."""
    manifest = json.loads((EDITOR_BUILD / "asset-manifest.json").read_text())
    entries = manifest["entrypoints"]
    return {
        "js": [f"/static/flow-editor/{e}" for e in entries if e.endswith(".js")],
        "css": [f"/static/flow-editor/{e}" for e in entries if e.endswith(".css")],
    }


def editor_installed() -> bool:
    return (EDITOR_BUILD / "asset-manifest.json").exists() and (
        COMPONENTS_DIST / "temba-components.js"
    ).exists()
