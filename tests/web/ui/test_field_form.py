"""The UI's field form takes names by the API's rule (upesi.domain.contact_fields) with the messages of RapidPro's
ContactFieldForm, stores the agent access chosen, and refuses what it cannot take (never a silent default)."""

from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import ContactField

CASES = [
    # (name, type, agent access) -> the error shown, or "" for a field made
    ({"name": "Favourite Colour", "value_type": "text", "agent_access": "E"}, ""),
    ({"name": "  Padded  ", "value_type": "number"}, ""),  # trimmed, as every form field
    ({"name": "Language", "value_type": "text"}, "Name: Can't be a reserved word."),
    ({"name": "Created On", "value_type": "datetime"}, "Name: Can't be a reserved word."),
    ({"name": "Has", "value_type": "text"}, "Name: Can't be a reserved word."),
    ({"name": "Café", "value_type": "text"}, "Name: Can only contain letters, numbers and hypens."),
    (
        {"name": "x" * 37, "value_type": "text"},
        "Name: Ensure this value has at most 36 characters (it has 37).",
    ),
    ({"name": "Shoe Size", "value_type": "shoe"}, "Type: 'shoe' is not one of "),
    (
        {"name": "Shoe Size", "value_type": "text", "agent_access": "X"},
        "Agent access: 'X' is not one of N, V, E",
    ),
    ({"name": "favourite colour", "value_type": "text"}, "Name: Must be unique."),
]


async def test_the_field_form(site: Site, admin: httpx.AsyncClient) -> None:
    token = csrf_from((await admin.get("/contact/fields/")).text)
    for data, error in CASES:
        response = await admin.post("/contact/fields/", data={**data, "csrf_token": token})
        assert response.status_code == 303, data
        shown = parse_qs(urlsplit(response.headers["location"]).query).get("error", [""])[0]
        assert shown.startswith(error) if error else shown == "", (data, shown)
    async with transaction() as s:
        made = (await s.execute(select(ContactField.key, ContactField.name, ContactField.value_type,
                                       ContactField.agent_access).where(ContactField.org_id == site.org_id,
                                                                         ContactField.is_system.is_(False))
                                .order_by(ContactField.id))).all()  # fmt: skip
    assert [tuple(r) for r in made] == [
        ("favourite_colour", "Favourite Colour", "T", "E"),
        ("padded", "Padded", "N", "V"),
    ]
    page = (await admin.get("/contact/fields/")).text
    assert "<td>Edit</td>" in page and "<td>View</td>" in page


async def test_the_field_limit(site: Site, admin: httpx.AsyncClient) -> None:
    from upesi.db.models import Org

    async with transaction() as s:
        org = await s.get(Org, site.org_id)
        assert org is not None
        org.config = {**(org.config or {}), "limits": {"fields": 1}}
    token = csrf_from((await admin.get("/contact/fields/")).text)
    first = await admin.post("/contact/fields/", data={"name": "One", "csrf_token": token})
    second = await admin.post("/contact/fields/", data={"name": "Two", "csrf_token": token})
    assert "error" not in first.headers["location"]
    assert "Cannot+create+object+because+workspace+has+reached+limit." in second.headers["location"]
    async with transaction() as s:
        keys = (await s.execute(select(ContactField.key).where(ContactField.org_id == site.org_id,
                                                               ContactField.is_system.is_(False)))).scalars()  # fmt: skip
        assert list(keys) == ["one"]
