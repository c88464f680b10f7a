"""The expression completion document (goflow's docgen `editor.json`), which `<temba-store completion>`
loads for autocomplete in the editor's text fields. temba-components ships RapidPro's English copy; we
serve it with the function list cut to the functions our Excellent evaluator implements."""

import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from web.ui.auth import CtxDep
from web.ui.static import COMPONENTS_STATIC

router = APIRouter()
DOC = COMPONENTS_STATIC / "mr" / "docs" / "en-us" / "editor.json"


@lru_cache
def completion_document() -> dict[str, Any]:
    from upesi.excellent.functions import registry

    doc: dict[str, Any] = (
        json.loads(DOC.read_text())
        if DOC.exists()
        else {"context": {"types": [], "root": [], "root_no_session": []}, "functions": []}
    )
    known = set(registry.FUNCTIONS)
    if known:
        doc["functions"] = [f for f in doc["functions"] if f["signature"].split("(")[0] in known]
    return doc


@router.get("/flow/completion.json")
async def completion(ctx: CtxDep) -> JSONResponse:
    ctx.require("flow_read")
    return JSONResponse(completion_document())
