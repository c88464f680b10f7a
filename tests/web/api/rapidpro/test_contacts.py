"""contacts: RapidPro's test_contacts.py assertions (temba/api/v2/tests/test_contacts.py), ported."""

import pytest
from sqlalchemy import select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactURN


async def test_empty_and_full_create(api: API) -> None:
    await f.field(api.ws.org_id, "nickname", "Nickname")
    await f.field(api.ws.org_id, "gender", "Gender")
    resp = await api.post("contacts.json", {})
    assert resp.status_code == 201
    body = resp.json()
    assert body["fields"] == {"nickname": None, "gender": None}
    assert (body["name"], body["status"], body["language"], body["urns"], body["groups"], body["notes"]) == (
        None, "active", None, [], [], [])  # fmt: skip
    assert (body["flow"], body["last_seen_on"], body["blocked"], body["stopped"]) == (
        None,
        None,
        False,
        False,
    )
    # the keys only anonymous workspaces show are absent
    assert "ref" not in body and "anon_display" not in body

    resp = await api.post(
        "contacts.json", {"name": None, "language": None, "urns": [], "groups": [], "fields": {}}
    )
    assert resp.status_code == 201 and resp.json()["name"] is None

    resp = await api.client.post("/api/v2/contacts.json", json=[], headers=api.headers())
    assert_error(resp, "non_field_errors", "Request body should be a single JSON object")


async def test_invalid_create_names_every_field(api: API) -> None:
    other_group = await f.group(api.other.org_id, "Nerds")
    resp = await api.post("contacts.json", {"name": "Jim", "groups": [other_group.uuid]})
    assert_error(resp, "groups", f"No such object: {other_group.uuid}")

    resp = await api.post(
        "contacts.json",
        {"name": "Jim", "language": "xyz", "urns": ["1234556789"],
         "groups": ["59686b4e-14bc-4160-9376-b649b218c806"], "fields": {"hmmm": "X"}},
    )  # fmt: skip
    assert_errors(
        resp,
        {
            "language": "Not a valid ISO639-3 language code.",
            "groups": "No such object: 59686b4e-14bc-4160-9376-b649b218c806",
            "fields": "Invalid contact field key: hmmm",
            ("urns", "0"): "Invalid URN: 1234556789. Ensure phone numbers contain country codes.",
        },
    )
    async with transaction() as s:
        assert (await s.execute(select(Contact).where(Contact.name == "Jim"))).first() is None


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("xyz", "Not a valid ISO639-3 language code."),
        ("en", "Ensure this field has at least 3 characters."),
        ("engl", "Ensure this field has no more than 3 characters."),
    ],
)
async def test_language_must_be_iso639_3(api: API, language: str, message: str) -> None:
    assert_error(await api.post("contacts.json", {"language": language}), "language", message)
    assert (await api.post("contacts.json", {"language": "fra"})).json()["language"] == "fra"


async def test_update_lookups_and_urn_rules(api: API) -> None:
    group = await f.group(api.ws.org_id, "Customers")
    resp = await api.post("contacts.json", {"name": "Jean", "language": "fra",
                                            "urns": ["tel:+250783333333", "twitter:JEAN"], "groups": [group.uuid]})  # fmt: skip
    assert resp.status_code == 201
    jean = resp.json()
    assert sorted(jean["urns"]) == ["tel:+250783333333", "twitter:jean"]

    # no fields: nothing changes
    resp = await api.post("contacts.json", {}, uuid=jean["uuid"])
    assert resp.status_code == 200 and resp.json()["name"] == "Jean" and resp.json()["language"] == "fra"

    # by URN, normalized
    resp = await api.post("contacts.json", {"name": "Jean III"}, urn="tel:+250-78-3333333")
    assert resp.status_code == 200 and resp.json()["name"] == "Jean III"

    resp = await api.post("contacts.json", {"urns": ["tel:+250785555555"]}, urn="tel:+250783333333")
    assert_error(resp, "urns", "Field not allowed when using URN in URL")

    # a URN that nobody has creates the contact
    resp = await api.post("contacts.json", {"name": "Bobby"}, urn="tel:+250-78-5555555")
    assert resp.status_code == 201 and resp.json()["urns"] == ["tel:+250785555555"]

    # a URN of another contact is named by its index
    resp = await api.post("contacts.json", {"name": "Robert", "urns": ["twitter:bob", "tel:+250-78-5555555"]})
    assert_error(resp, ("urns", "1"), "URN is in use by another contact.")

    assert (
        await api.post("contacts.json", {}, uuid="ad6acad9-959b-4d70-b144-5de2891e4d00")
    ).status_code == 404
    hans = await f.contact(api.other.org_id, "Hans")
    assert (await api.post("contacts.json", {}, uuid=str(hans.uuid))).status_code == 404

    smart = await f.group(api.ws.org_id, "Dynamic Group", group_type="Q", query="name = Frank")
    resp = await api.post("contacts.json", {"groups": [smart.uuid]}, uuid=jean["uuid"])
    assert_error(resp, "groups", f"Contact group must not be query based: {smart.uuid}")

    resp = await api.post(
        "contacts.json", {"urns": [f"twitter:bob{u}" for u in range(101)]}, uuid=jean["uuid"]
    )
    assert_error(resp, "urns", "Ensure this field has no more than 100 elements.")
    resp = await api.post(
        "contacts.json", {"fields": {f"field_{i}": i for i in range(101)}}, uuid=jean["uuid"]
    )
    assert_error(resp, "fields", "Ensure this field has no more than 100 elements.")
    resp = await api.post(
        "contacts.json", {"urns": [f"twitter:bob{u}" for u in range(100)]}, uuid=jean["uuid"]
    )
    assert resp.status_code == 200 and len(resp.json()["urns"]) == 100

    resp = await api.post("contacts.json", {}, uuid=jean["uuid"], urn="tel:+250784444444")
    assert_error(resp, None, "URL can only contain one of the following parameters: urn, uuid")
    assert_error(
        await api.delete("contacts.json"), None, "URL must contain one of the following parameters: urn, uuid"
    )


async def test_blocked_contact_cannot_join_groups(api: API) -> None:
    group = await f.group(api.ws.org_id, "Customers")
    blocked = await f.contact(api.ws.org_id, "Jean", status="B")
    resp = await api.post("contacts.json", {"groups": [group.uuid]}, uuid=str(blocked.uuid))
    assert_error(resp, "groups", "Non-active contacts can't be added to groups")
    resp = await api.get("contacts.json", group=str(group.uuid))
    assert resp.json()["results"] == []
    # leaving every group is still allowed
    assert (await api.post("contacts.json", {"groups": []}, uuid=str(blocked.uuid))).status_code == 200


async def test_deleted_contact_cannot_be_modified(api: API) -> None:
    jean = await f.contact(api.ws.org_id, "Jean", urns=["twitter:jean"])
    assert (await api.delete("contacts.json", uuid=str(jean.uuid))).status_code == 204
    resp = await api.post("contacts.json", {"name": "Back"}, uuid=str(jean.uuid))
    assert_error(resp, "non_field_errors", "Deleted contacts can't be modified.")
    assert (await api.delete("contacts.json", urn="twitter:billy")).status_code == 404
    resp = await api.get("contacts.json", deleted="true")
    assert resp.json()["results"][0] == {
        "uuid": str(jean.uuid), "name": None, "status": None, "language": None, "urns": [], "groups": [],
        "notes": [], "fields": {}, "flow": None, "created_on": resp.json()["results"][0]["created_on"],
        "modified_on": resp.json()["results"][0]["modified_on"], "last_seen_on": None, "blocked": None,
        "stopped": None,
    }  # fmt: skip


async def test_filters(api: API) -> None:
    await f.contact(api.ws.org_id, "Ann", urns=["tel:+250788000001"])
    don = await f.contact(api.ws.org_id, "Don", urns=["tel:+250788000004"])
    group = await f.group(api.ws.org_id, "Customers", [don])
    assert ids_of(await api.get("contacts.json", urn="tel:078-8000004")) == [str(don.uuid)]
    assert_error(await api.get("contacts.json", urn="12345"), None, "Invalid URN: 12345")
    assert ids_of(await api.get("contacts.json", group=str(group.uuid))) == [str(don.uuid)]
    assert ids_of(await api.get("contacts.json", group="Customers")) == [str(don.uuid)]
    assert ids_of(await api.get("contacts.json", group="invalid")) == []


async def test_notes_are_capped_at_the_newest_five(api: API) -> None:
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    for i in range(1, 6):
        assert (
            await api.post("contacts.json", {"note": f"Frank is a good guy ({i})"}, uuid=str(frank.uuid))
        ).status_code == 200
    for i in range(6, 10):
        resp = await api.post("contacts.json", {"note": f"Frank is an okay guy ({i})"}, uuid=str(frank.uuid),
                              token=api.ws.tokens["editor"])  # fmt: skip
        assert resp.status_code == 200
    notes = (await api.get("contacts.json", uuid=str(frank.uuid))).json()["results"][0]["notes"]
    assert [n["text"] for n in notes] == [
        "Frank is a good guy (5)", "Frank is an okay guy (6)", "Frank is an okay guy (7)",
        "Frank is an okay guy (8)", "Frank is an okay guy (9)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("31-12-2017", "2017-12-31T00:00:00.000000+02:00"),  # the workspace's date order (day first)
        ("2017-11-11T11:12:13Z", "2017-11-11T13:12:13.000000+02:00"),  # shown in the workspace's offset
        ("2017-11-11 11:12:13Z", "2017-11-11T13:12:13.000000+02:00"),
        ("12-31-2017", None),  # not a date in day-first order
        ("el123a41", None),  # not a date: null, not the text
    ],
)
async def test_update_datetime_field(api: API, written: str, shown: str | None) -> None:
    await set_org(api.ws.org_id, timezone="Africa/Kigali", date_format="D")
    await f.field(api.ws.org_id, "activated_at", "Tag activation", value_type="D")
    joe = await f.contact(api.ws.org_id, "Joe", urns=["tel:+250788123123"])
    resp = await api.post("contacts.json", {"fields": {"activated_at": written}}, uuid=str(joe.uuid))
    assert resp.status_code == 200
    assert resp.json()["fields"]["activated_at"] == shown
    listed = (await api.get("contacts.json", uuid=str(joe.uuid))).json()["results"][0]
    assert listed["fields"]["activated_at"] == shown


async def test_anonymous_org(api: API) -> None:
    group = await f.group(api.ws.org_id, "Customers")
    resp = await api.post("contacts.json", {"name": "Jean", "language": "fra",
                                            "urns": ["tel:+250783333333", "twitter:JEAN"], "groups": [group.uuid]})  # fmt: skip
    jean = resp.json()["uuid"]
    await set_org(api.ws.org_id, is_anon=True)
    resp = await api.post("contacts.json", {}, urn="tel:+250785555555")
    assert_error(resp, None, "URN lookups not allowed for anonymous organizations")
    resp = await api.post("contacts.json", {"urns": ["tel:+250786666666"]}, uuid=jean)
    assert_error(resp, "urns", "Updating URNs not allowed for anonymous organizations")
    shown = (await api.get("contacts.json", uuid=jean)).json()["results"][0]
    assert sorted(shown["urns"]) == ["tel:********", "twitter:********"]
    # anonymous workspaces show the contact's reference, under both names
    assert shown["ref"] and shown["anon_display"] == shown["ref"]
    resp = await api.post(
        "contacts.json", {"name": "Xavier", "urns": ["tel:+250-78-7777777", "twitter:XAVIER"]}
    )
    assert resp.status_code == 201
    resp = await api.get("contacts.json", urn="tel:+250-78-8000004")
    assert_error(resp, None, "URN lookups not allowed for anonymous organizations")


async def test_expanded_urns(api: API) -> None:
    channel = await f.channel(api.ws.org_id)
    don = await f.contact(api.ws.org_id, "Don", urns=["tel:+250788000004", "facebook:123"])
    async with transaction() as s:
        await s.execute(
            update(ContactURN).where(ContactURN.identity == "tel:+250788000004").values(channel_id=channel.id)
        )
    shown = (await api.get("contacts.json", expand_urns="true")).json()["results"][0]
    assert shown["uuid"] == str(don.uuid)
    assert shown["urns"] == [
        {"channel": {"uuid": str(channel.uuid), "name": channel.name}, "scheme": "tel", "path": "+250788000004",
         "display": None},
        {"channel": None, "scheme": "facebook", "path": "123", "display": None},
    ]  # fmt: skip
    resp = await api.post("contacts.json", {"name": "Donnie"}, uuid=str(don.uuid), expand_urns="true")
    assert resp.json()["urns"][0]["scheme"] == "tel"
    await set_org(api.ws.org_id, is_anon=True)
    shown = (await api.get("contacts.json", expand_urns="true")).json()["results"][0]
    assert [u["path"] for u in shown["urns"]] == ["********", "********"]
