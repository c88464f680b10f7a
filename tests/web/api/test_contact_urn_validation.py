"""API v2 contact writes refuse URNs that RapidPro's URN.validate refuses (upesi.domain.urns.checked_urn, the
rule the UI's contact form, send dialog and import use): 400 naming the index, nothing stored."""

import pytest
from sqlalchemy import select

from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error
from upesi.db.engine import transaction
from upesi.db.models import ContactURN

INVALID = "Invalid URN: {}. Ensure phone numbers contain country codes."


@pytest.mark.parametrize("urn", ["tel:12ab", "tel:+1202", "tel:notanumber", "mailto:bob", "telegram:bob"])
async def test_an_invalid_urn_is_refused_by_index(api: API, urn: str) -> None:
    resp = await api.post("contacts.json", {"name": "Jim", "urns": ["tel:+250788000001", urn]})
    assert_error(resp, ("urns", "1"), INVALID.format(urn))
    async with transaction() as s:
        assert list((await s.execute(select(ContactURN.identity))).scalars()) == []


async def test_a_possible_number_is_stored_normalised(api: API) -> None:
    resp = await api.post("contacts.json", {"name": "Jim", "urns": ["tel:+1 (202) 555-0143"]})
    assert resp.status_code == 201, resp.text
    assert resp.json()["urns"] == ["tel:+12025550143"]
