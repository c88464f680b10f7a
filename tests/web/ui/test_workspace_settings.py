"""The workspace settings page: what it stores, what it refuses, who may use it, and the editor seeing the
languages."""

import httpx
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Org


async def _save(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    token = csrf_from((await client.get("/org/edit/")).text)
    form = {"name": "Health Ministry", "timezone": "Africa/Kigali", "country": "RW", "date_format": "D",
            "primary_language": "eng", "other_languages": "", **fields}  # fmt: skip
    return await client.post("/org/edit/", data={**form, "csrf_token": token})


async def _org(org_id: int) -> Org:
    async with transaction() as s:
        return (await s.execute(select(Org).where(Org.id == org_id))).scalar_one()


async def test_admin_sets_languages_and_the_editor_gets_them(site: Site, admin: httpx.AsyncClient) -> None:
    response = await _save(admin, other_languages="fra, kin")
    assert response.status_code == 303 and response.headers["location"] == "/org/edit/?saved=1"
    org = await _org(site.org_id)
    assert (org.name, org.timezone, org.country, org.languages) == (
        "Health Ministry", "Africa/Kigali", "RW", ["eng", "fra", "kin"]
    )  # fmt: skip
    langs = (await admin.get(f"/flow/assets/{site.org_id}/1/language/")).json()["results"]
    assert [lang["iso"] for lang in langs] == ["eng", "fra", "kin"]
    page = (await admin.get("/org/edit/?saved=1")).text
    assert 'id="saved"' in page and 'value="fra kin"' in page


async def test_bad_values_are_shown_in_the_form_and_nothing_changes(
    site: Site, admin: httpx.AsyncClient
) -> None:
    before = await _org(site.org_id)
    response = await _save(admin, other_languages="fra xyz")
    assert response.status_code == 400
    assert "&#39;xyz&#39; is not a valid ISO 639-3 language code." in response.text
    assert 'class="nav"' in response.text  # in the layout, not a bare error
    after = await _org(site.org_id)
    assert (after.name, after.languages) == (before.name, before.languages)


async def test_only_administrators_change_settings(site: Site) -> None:
    async with site.signed_in("editor") as editor:
        assert (await editor.get("/org/edit/")).status_code == 403
        assert 'id="nav-settings"' not in (await editor.get("/flow/")).text
