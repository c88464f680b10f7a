"""Issue #22 point 11: hostile input over every UI route and API write, bounded in time, with 0 server
errors. The routes are read from the app itself, so a new form is covered when it is added."""

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.web.ui.helpers import Site, csrf_from
from web.app import create_app

NUL = "bad\x00value"
# what a path parameter is given: not a UUID, a NUL, a number too big for bigint
PATH_VALUES = ["not-a-uuid", "bad%00value", "99999999999999999999"]
FIELDS = ["name", "text", "query", "email", "label", "keyword", "uuid", "flow", "group", "groups", "contact",
          "contacts", "urns", "urn", "fields", "language", "value", "key", "title", "description", "address",
          "channel_type", "username", "password", "next", "role", "org", "search", "omnibox", "body"]  # fmt: skip
DELIBERATE = 503  # "unavailable, try again" (an outage, or no SMTP_URL for password resets): never a crash
SKIP = {"/users/logout/"}  # signs the client out: covered in test_security


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every endpoint, through included routers (FastAPI includes them lazily)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def _routes(method: str, api: bool = False) -> list[str]:
    paths = {path for path, r in _walk(create_app().routes) if method in (r.methods or set())}
    return sorted(p for p in paths if p not in SKIP and p.startswith("/api/") == api)


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.parametrize("value", PATH_VALUES)
async def test_ui_pages_never_answer_500_to_bad_path_and_query_values(site: Site, value: str) -> None:
    async with site.signed_in("administrator") as client:
        failures = []
        started = time.monotonic()
        for path in _routes("GET"):
            url = _fill(path, value)
            resp = await client.get(url, params={"search": NUL, "uuid": "not-a-uuid", "page": "x"})
            if resp.status_code >= 500 and resp.status_code != DELIBERATE:
                failures.append((url, resp.status_code))
        assert time.monotonic() - started < 240
    assert failures == []


async def test_ui_forms_never_answer_500_to_nul_and_invalid_uuids(site: Site) -> None:
    async with site.signed_in("administrator") as client:
        token = csrf_from((await client.get("/flow/")).text)
        failures = []
        for path in _routes("POST"):
            for bad in (NUL, "not-a-uuid", "99999999999999999999"):
                url = _fill(path, PATH_VALUES[0])
                form = {field: bad for field in FIELDS} | {"csrf_token": token}
                resp = await client.post(url, data=form, headers={"accept": "text/html"})
                if resp.status_code >= 500 and resp.status_code != DELIBERATE:
                    failures.append((url, bad, resp.status_code))
    assert failures == []


async def test_nul_in_a_form_is_a_400_naming_the_field(site: Site) -> None:
    async with site.signed_in("administrator") as client:
        token = csrf_from((await client.get("/flow/")).text)
        resp = await client.post(
            "/flow/create/",
            data={"name": "Bad\x00Flow", "csrf_token": token},
            headers={"accept": "text/html"},
        )
        assert resp.status_code == 400 and "name" in resp.text and "NUL" in resp.text
        api = await client.post("/flow/create/", data={"name": "Bad\x00Flow", "csrf_token": token})
        assert api.status_code == 400 and api.json() == {
            "name": ["contains a NUL character, which is not allowed"]
        }
