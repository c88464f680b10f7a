"""The flow editor's page and every endpoint it calls (see ../shared/reference/flow_editor.md).

The editor appends `/` to endpoints without one, except those naming `groups`, and checks for an exact
`application/json` content type; every endpoint here is registered with a trailing slash and answered
with Starlette's JSONResponse."""

from fastapi import APIRouter

from web.ui.editor import activity, assets, completion, media, page, revisions, simulate

router = APIRouter()
for module in (page, revisions, assets, activity, simulate, completion, media):
    router.include_router(module.router)
