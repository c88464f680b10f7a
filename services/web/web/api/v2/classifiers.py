"""classifiers: list (GET). Upesi has no NLU classifiers yet: an empty page (rapidpro-python still calls it)."""

from typing import Any

from fastapi import Request

from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page
from web.api.v2.routing import endpoint


@endpoint(
    "classifiers",
    "GET",
    "classifiers.classifier_list",
    summary="List NLU classifiers",
    params=["uuid"],
    listed=False,  # gone from RapidPro's root listing
    response=objects.Page[objects.Classifier],
)
async def list_classifiers(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.get_uuids(request, "uuid")  # still validated, as RapidPro did
    return empty_page()
