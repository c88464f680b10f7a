"""Workspace settings (administrators): name, country, timezone, date format and the flow languages the
editor offers to translate into. The rules live in upesi.domain.workspaces."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from upesi.db.models import Org
from upesi.domain.errors import DomainError
from upesi.domain.workspaces import (
    DATE_FORMATS,
    WorkspaceSettings,
    country_names,
    language_names,
    settings_of,
    timezones,
    update_settings,
)
from web.ui.auth import Csrf, CtxDep
from web.ui.render import render

router = APIRouter()


def _page(
    request: Request, ctx: CtxDep, settings: WorkspaceSettings, error: DomainError | None = None
) -> Response:
    return render(
        request,
        "org/edit.html",
        {
            "ctx": ctx,
            "settings": settings,
            "error": error,
            "saved": request.query_params.get("saved") == "1",
            "timezones": timezones(),
            "countries": sorted(country_names().items(), key=lambda kv: kv[1]),
            "language_names": language_names(),
            "date_formats": DATE_FORMATS,
        },
        status_code=400 if error else 200,
    )


@router.get("/org/edit/")
async def edit_form(request: Request, ctx: CtxDep) -> Response:
    ctx.require("org_manage")
    return _page(request, ctx, settings_of(ctx.org))


@router.post("/org/edit/", dependencies=[Csrf])
async def edit(
    request: Request,
    ctx: CtxDep,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    date_format: Annotated[str, Form()] = "",
    primary_language: Annotated[str, Form()] = "",
    other_languages: Annotated[str, Form()] = "",
) -> Response:
    ctx.require("org_manage")
    others = other_languages.replace(",", " ").split()
    settings = WorkspaceSettings(name, timezone, country or None, date_format, [primary_language, *others])
    org = await ctx.db.get(Org, ctx.org.id)
    assert org is not None  # the context found it a moment ago
    try:
        await update_settings(ctx.db, org=org, settings=settings)
    except DomainError as error:
        await ctx.db.rollback()
        return _page(request, ctx, settings, error)
    await ctx.db.commit()
    return RedirectResponse("/org/edit/?saved=1", status_code=303)
