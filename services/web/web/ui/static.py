"""Static files: ours, and the npm packages the flow editor needs, served straight from node_modules
(`make install` runs `npm ci`); nothing comes from a CDN."""

import json
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parents[2]
NODE = WEB / "node_modules" / "@nyaruka"
EDITOR_BUILD = NODE / "flow-editor" / "build"
COMPONENTS_DIST = NODE / "temba-components" / "dist"
COMPONENTS_STATIC = NODE / "temba-components" / "static"


def mount(app: FastAPI) -> None:
    app.mount("/static/upesi", StaticFiles(directory=WEB / "static" / "upesi"), name="upesi-static")
    # check_dir=False: without node_modules the pages still render; the editor page says what is missing
    app.mount("/static/flow-editor", StaticFiles(directory=EDITOR_BUILD, check_dir=False), name="flow-editor")
    app.mount(
        "/static/temba", StaticFiles(directory=COMPONENTS_DIST, check_dir=False), name="temba-components"
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
