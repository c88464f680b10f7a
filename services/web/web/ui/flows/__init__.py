"""Flow pages: the list, create, import/export, archive, results, exports of runs and flow starts."""

from fastapi import APIRouter

from web.ui.flows import pages, results, start_dialog, starts

router = APIRouter()
for module in (pages, results, start_dialog, starts):
    router.include_router(module.router)
