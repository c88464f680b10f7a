"""contacts: RapidPro's test_contacts.py assertions (temba/api/v2/tests/test_contacts.py), ported."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactField, ContactGroup, ContactURN, contact_group_contacts
from web.api.v2.values import fmt_dt


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


async def _touch(contact_uuid: str, when: datetime, **values: Any) -> None:
    """Set a contact's modified_on (and other columns) as RapidPro's test does, for a known listing order."""
    async with transaction() as s:
        await s.execute(
            update(Contact).where(Contact.uuid == contact_uuid).values(modified_on=when, **values)
        )


async def _stored(contact_uuid: str) -> tuple[Contact, set[str], set[str]]:
    """The contact row, its URN identities and its groups' names."""
    async with transaction() as s:
        c = (await s.execute(select(Contact).where(Contact.uuid == contact_uuid))).scalar_one()
        urns = set(
            (await s.execute(select(ContactURN.identity).where(ContactURN.contact_id == c.id))).scalars()
        )
        groups = set(
            (
                await s.execute(
                    select(ContactGroup.name)
                    .join(contact_group_contacts, contact_group_contacts.c.group_id == ContactGroup.id)
                    .where(contact_group_contacts.c.contact_id == c.id)
                )
            ).scalars()
        )
        return c, urns, groups


async def test_endpoint(api: API) -> None:
    """RapidPro's ContactsEndpointTest.test_endpoint, in its order."""
    url = "/api/v2/contacts.json"
    editor, agent = api.ws.tokens["editor"], api.ws.tokens["agent"]
    assert (await api.client.get(url)).status_code == 403
    assert (await api.client.post(url, json={})).status_code == 403
    assert (await api.client.delete(url)).status_code == 403
    assert (await api.delete("contacts.json", token=agent, uuid=f.uid())).status_code == 403

    channel = await f.channel(api.ws.org_id)
    await f.field(api.ws.org_id, "nickname", "Nickname")
    await f.field(api.ws.org_id, "gender", "Gender")

    async def create(body: dict[str, Any]) -> dict[str, Any]:
        resp = await api.post("contacts.json", body)
        assert resp.status_code == 201, resp.text
        return resp.json()  # type: ignore[no-any-return]

    joe = await create({"name": "Joe Blow", "urns": ["tel:+250788123123"]})
    frank = await create({"name": "Frank", "urns": ["facebook:123456"]})
    c1 = await create({"name": "Ann", "urns": ["tel:0788000001"], "language": "fra",
                       "fields": {"nickname": "Annie", "gender": "female"}})  # fmt: skip
    c2 = await create({"name": "Bob", "urns": ["tel:0788000002"]})
    c3 = await create({"name": "Cat", "urns": ["tel:0788000003"]})
    c4 = await create({"name": "Don", "urns": ["tel:0788000004"], "language": "fra",
                       "fields": {"nickname": "Donnie", "gender": "male"}})  # fmt: skip
    group = await f.group(api.ws.org_id, "Customers")
    async with transaction() as s:
        ids = {r.uuid: r.id for r in (await s.execute(select(Contact.uuid, Contact.id))).all()}
        await s.execute(
            insert(contact_group_contacts).values(
                [{"group_id": group.id, "contact_id": ids[u["uuid"]]} for u in (joe, c4)]
            )
        )
    other_group = await f.group(api.other.org_id, "Nerds")
    survey = await f.flow(api.ws.org_id, "Survey")
    base = datetime.now(UTC)
    await _touch(frank["uuid"], base - timedelta(minutes=6))
    await _touch(c1["uuid"], base - timedelta(minutes=5), status="S")  # stopped
    await _touch(c2["uuid"], base - timedelta(minutes=4), status="B")  # blocked
    await _touch(c3["uuid"], base - timedelta(minutes=3), is_active=False)  # released
    await _touch(joe["uuid"], base - timedelta(minutes=2))
    await _touch(c4["uuid"], base - timedelta(minutes=1), current_flow_id=survey.id,
                 last_seen_on=datetime(2020, 8, 12, 13, 30, 45, 123456, UTC))  # fmt: skip
    hans = await f.contact(api.other.org_id, "Hans", urns=["tel:+250788000004"])

    order = [c4["uuid"], joe["uuid"], c2["uuid"], c1["uuid"], frank["uuid"]]
    for token in (editor, api.ws.token, agent):
        assert ids_of(await api.get("contacts.json", token=token)) == order
    c4_row, _, _ = await _stored(c4["uuid"])
    don = {
        "uuid": c4["uuid"], "name": "Don", "status": "active", "language": "fra", "urns": ["tel:+250788000004"],
        "groups": [{"uuid": str(group.uuid), "name": "Customers"}], "notes": [],
        "fields": {"nickname": "Donnie", "gender": "male"}, "flow": {"uuid": str(survey.uuid), "name": "Survey"},
        "created_on": fmt_dt(c4_row.created_on), "modified_on": fmt_dt(c4_row.modified_on),
        "last_seen_on": "2020-08-12T13:30:45.123456Z", "blocked": False, "stopped": False,
    }  # fmt: skip
    assert (await api.get("contacts.json")).json()["results"][0] == don

    # with expanded URNs: the channel the engine would send with
    expanded_urn = {"channel": {"uuid": str(channel.uuid), "name": channel.name}, "scheme": "tel",
                    "path": "+250788000004", "display": None}  # fmt: skip
    resp = await api.get("contacts.json", token=editor, expand_urns="true")
    assert ids_of(resp) == order
    assert resp.json()["results"][0] == don | {"urns": [expanded_urn]}

    assert ids_of(await api.get("contacts.json", token=editor, reverse="true")) == order[::-1]

    await set_org(api.ws.org_id, is_anon=True)
    for token in (editor, api.ws.token, agent):
        resp = await api.get("contacts.json", token=token)
        assert ids_of(resp) == order
    ref = f"{c4_row.id:010d}"
    anon_don = don | {"urns": ["tel:********"], "ref": ref, "anon_display": ref}
    assert resp.json()["results"][0] == anon_don
    resp = await api.get("contacts.json", token=editor, expand_urns="true")
    assert ids_of(resp) == order
    assert resp.json()["results"][0] == anon_don | {"urns": [expanded_urn | {"path": "********"}]}
    await set_org(api.ws.org_id, is_anon=False)

    # filters
    assert ids_of(await api.get("contacts.json", uuid=c2["uuid"])) == [c2["uuid"]]
    assert ids_of(await api.get("contacts.json", urn="tel:078-8000004")) == [c4["uuid"]]
    assert_error(await api.get("contacts.json", urn="12345"), None, "Invalid URN: 12345")
    assert ids_of(await api.get("contacts.json", group=str(group.uuid))) == [c4["uuid"], joe["uuid"]]
    assert ids_of(await api.get("contacts.json", group="Customers")) == [c4["uuid"], joe["uuid"]]
    assert ids_of(await api.get("contacts.json", group="invalid")) == []
    c1_row, _, _ = await _stored(c1["uuid"])
    joe_row, _, _ = await _stored(joe["uuid"])
    assert ids_of(await api.get("contacts.json", before=fmt_dt(c1_row.modified_on))) == [
        c1["uuid"],
        frank["uuid"],
    ]
    assert ids_of(await api.get("contacts.json", after=fmt_dt(joe_row.modified_on))) == [
        c4["uuid"],
        joe["uuid"],
    ]

    # the deleted contact
    c3_row, _, _ = await _stored(c3["uuid"])
    assert (await api.get("contacts.json", deleted="true")).json()["results"] == [
        {"uuid": c3["uuid"], "name": None, "status": None, "language": None, "urns": [], "groups": [], "notes": [],
         "fields": {}, "flow": None, "created_on": fmt_dt(c3_row.created_on),
         "modified_on": fmt_dt(c3_row.modified_on), "last_seen_on": None, "blocked": None, "stopped": None}
    ]  # fmt: skip

    # create with all fields
    resp = await api.post("contacts.json", {"name": "Jean", "language": "fra",
                                            "urns": ["tel:+250783333333", "twitter:JEAN"],
                                            "groups": [str(group.uuid)], "fields": {"nickname": "Jado"}},
                          token=editor)  # fmt: skip
    assert resp.status_code == 201
    jean = resp.json()["uuid"]
    row, urns, groups = await _stored(jean)
    assert urns == {"tel:+250783333333", "twitter:jean"} and groups == {"Customers"}
    assert resp.json()["fields"]["nickname"] == "Jado"

    resp = await api.post("contacts.json", {"name": "Jim", "groups": [str(other_group.uuid)]}, token=editor)
    assert_error(resp, "groups", f"No such object: {other_group.uuid}")

    # an update without fields changes nothing
    assert (await api.post("contacts.json", {}, token=editor, uuid=jean)).status_code == 200
    row, urns, groups = await _stored(jean)
    assert (row.name, row.language, urns, groups) == ("Jean", "fra", {"tel:+250783333333", "twitter:jean"},
                                                      {"Customers"})  # fmt: skip

    async def update_jean(body: dict[str, Any], **lookup: str) -> dict[str, Any]:
        resp = await api.post("contacts.json", body, token=editor, **(lookup or {"uuid": jean}))
        assert resp.status_code == 200, resp.text
        return resp.json()["fields"]  # type: ignore[no-any-return]

    # change every field
    shown = await update_jean({"name": "Jason Undead", "language": "ita", "urns": ["tel:+250784444444"],
                               "groups": [], "fields": {"nickname": "Žan", "gender": "frog"}})  # fmt: skip
    row, urns, groups = await _stored(jean)
    assert (row.name, row.language, urns, groups) == ("Jason Undead", "ita", {"tel:+250784444444"}, set())
    assert shown == {"nickname": "Žan", "gender": "frog"}

    # change the language
    shown = await update_jean({"name": "Jean II", "language": "eng", "urns": ["tel:+250784444444"], "groups": [],
                               "fields": {}})  # fmt: skip
    row, urns, groups = await _stored(jean)
    assert (row.name, row.language, urns, groups) == ("Jean II", "eng", {"tel:+250784444444"}, set())
    assert shown["nickname"] == "Žan"

    # blank values remove fields; others are kept or updated
    common = {"name": "Jean II", "language": "eng", "urns": ["tel:+250784444444"], "groups": []}
    assert await update_jean(common | {"fields": {"nickname": "", "gender": ""}}) == {
        "nickname": None, "gender": None}  # fmt: skip
    assert await update_jean(common | {"fields": {"nickname": "Jado", "gender": ""}}) == {
        "nickname": "Jado", "gender": None}  # fmt: skip

    # by URN, normalized
    await update_jean({"name": "Jean III"}, urn="tel:+250-78-4444444")
    assert (await _stored(jean))[0].name == "Jean III"

    resp = await api.post("contacts.json", {"urns": ["tel:+250785555555"]}, token=editor,
                          urn="tel:+250-78-4444444")  # fmt: skip
    assert_error(resp, "urns", "Field not allowed when using URN in URL")

    # a URN nobody has creates the contact, normalized
    resp = await api.post("contacts.json", {"name": "Bobby"}, token=editor, urn="tel:+250-78-5555555")
    assert resp.status_code == 201
    assert (await _stored(resp.json()["uuid"]))[1] == {"tel:+250785555555"}

    resp = await api.post("contacts.json", {"name": "Robert", "urns": ["tel:+250-78-5555555"]}, token=editor)
    assert_error(resp, ("urns", "0"), "URN is in use by another contact.")

    resp = await api.post("contacts.json", {}, token=editor, uuid="ad6acad9-959b-4d70-b144-5de2891e4d00")
    assert resp.status_code == 404
    assert (await api.post("contacts.json", {}, token=editor, uuid=str(hans.uuid))).status_code == 404

    smart = await f.group(api.ws.org_id, "Dynamic Group", group_type="Q", query="name = Frank")
    resp = await api.post("contacts.json", {"groups": [str(smart.uuid)]}, token=editor, uuid=jean)
    assert_error(resp, "groups", f"Contact group must not be query based: {smart.uuid}")

    resp = await api.post("contacts.json", {"urns": [f"twitter:bob{u}" for u in range(101)]}, token=editor,
                          uuid=jean)  # fmt: skip
    assert_error(resp, "urns", "Ensure this field has no more than 100 elements.")
    resp = await api.post("contacts.json", {"fields": {f"field_{i}": i for i in range(101)}}, token=editor,
                          uuid=jean)  # fmt: skip
    assert_error(resp, "fields", "Ensure this field has no more than 100 elements.")
    await update_jean({"urns": [f"twitter:bob{u}" for u in range(100)]})
    assert len((await _stored(jean))[1]) == 100

    # a blocked contact can't be put in a group
    await _touch(jean, datetime.now(UTC), status="B")
    resp = await api.post("contacts.json", {"groups": [str(group.uuid)]}, token=editor, uuid=jean)
    assert_error(resp, "groups", "Non-active contacts can't be added to groups")

    resp = await api.post("contacts.json", {}, token=editor, uuid=jean, urn="tel:+250784444444")
    assert_error(resp, None, "URL can only contain one of the following parameters: urn, uuid")
    resp = await api.delete("contacts.json", token=editor)
    assert_error(resp, None, "URL must contain one of the following parameters: urn, uuid")

    # delete by UUID
    assert (await api.delete("contacts.json", token=editor, uuid=jean)).status_code == 204
    assert (await _stored(jean))[0].is_active is False
    resp = await api.post("contacts.json", {}, uuid=jean)
    assert_error(resp, "non_field_errors", "Deleted contacts can't be modified.")

    # updating fields by URN keeps every URN
    resp = await api.post(
        "contacts.json", {"name": "Xavier", "urns": ["tel:+250-78-7777777", "twitter:XAVIER"]}
    )
    assert resp.status_code == 201
    xavier = resp.json()["uuid"]
    assert (await _stored(xavier))[1] == {"twitter:xavier", "tel:+250787777777"}
    resp = await api.post("contacts.json", {"fields": {"gender": "Male"}}, urn="tel:+250787777777")
    assert resp.status_code == 200 and resp.json()["fields"]["gender"] == "Male"
    assert (await _stored(xavier))[1] == {"twitter:xavier", "tel:+250787777777"}

    # delete by URN (normalized); unknown URN and another workspace's contact are 404
    assert (await api.delete("contacts.json", token=editor, urn="twitter:XAVIER")).status_code == 204
    assert (await _stored(xavier))[0].is_active is False
    assert (await api.delete("contacts.json", token=editor, urn="twitter:billy")).status_code == 404
    assert (await api.delete("contacts.json", token=editor, uuid=str(hans.uuid))).status_code == 404


async def test_expanded_urns_can_preserve_priority_order(api: API) -> None:
    channel = await f.channel(api.ws.org_id)
    contact = await f.contact(api.ws.org_id, "Reordered", urns=["tel:+250788123456", "facebook:123456789"])
    resp = await api.post("contacts.json", {"urns": ["facebook:123456789", "tel:+250788123456"]},
                          uuid=str(contact.uuid), expand_urns="true", urn_order="priority",
                          token=api.ws.tokens["editor"])  # fmt: skip
    assert resp.status_code == 200
    urns = resp.json()["urns"]
    assert [f"{u['scheme']}:{u['path']}" for u in urns] == ["facebook:123456789", "tel:+250788123456"]
    assert urns[0]["channel"] is None
    assert urns[1]["channel"] == {"uuid": str(channel.uuid), "name": channel.name}
    # without urn_order, URNs with a channel come first (mailroom's contact inspect)
    resp = await api.get("contacts.json", expand_urns="true", uuid=str(contact.uuid))
    assert ids_of(resp) == [str(contact.uuid)]
    urns = resp.json()["results"][0]["urns"]
    assert [f"{u['scheme']}:{u['path']}" for u in urns] == ["tel:+250788123456", "facebook:123456789"]


async def test_as_agent(api: API) -> None:
    """Each field's agent_access: an agent sees the fields not hidden from agents, and edits only those
    open to them."""
    for key, name, value_type, access in (("gender", "Gender", "T", "N"), ("age", "Age", "N", "V"),
                                          ("height", "Height", "N", "E")):  # fmt: skip
        field = await f.field(api.ws.org_id, key, name, value_type=value_type)
        async with transaction() as s:
            await s.execute(
                update(ContactField).where(ContactField.id == field.id).values(agent_access=access)
            )
    agent = api.ws.tokens["agent"]
    bob = (await api.post("contacts.json", {"name": "Bob", "urns": ["telegram:12345"],
                                            "fields": {"gender": "M", "age": "40", "height": "180"}})).json()  # fmt: skip
    assert bob["fields"] == {"gender": "M", "age": "40", "height": "180"}  # an administrator sees them all
    shown = (await api.get("contacts.json", token=agent, uuid=bob["uuid"])).json()["results"]
    assert shown == [{
        "uuid": bob["uuid"], "name": "Bob", "status": "active", "language": None, "urns": ["telegram:12345"],
        "groups": [], "notes": [], "fields": {"age": "40", "height": "180"}, "flow": None,
        "created_on": bob["created_on"], "modified_on": bob["modified_on"], "last_seen_on": None,
        "blocked": False, "stopped": False,
    }]  # fmt: skip
    resp = await api.post("contacts.json", {"fields": {"gender": "M"}}, token=agent, uuid=bob["uuid"])
    assert_error(resp, "fields", "Invalid contact field key: gender")
    resp = await api.post("contacts.json", {"fields": {"age": "30"}}, token=agent, uuid=bob["uuid"])
    assert_error(resp, "fields", "Editing of 'age' values disallowed for current user.")
    resp = await api.post("contacts.json", {"fields": {"height": "160"}}, token=agent, uuid=bob["uuid"])
    assert resp.status_code == 200 and resp.json()["fields"] == {"age": "40", "height": "160"}
    async with transaction() as s:
        stored = (await s.execute(select(Contact).where(Contact.uuid == bob["uuid"]))).scalar_one()
    assert len(stored.fields) == 3  # the hidden value is kept
    # fields.json names each field's access
    fields = {r["key"]: r["agent_access"] for r in (await api.get("fields.json")).json()["results"]}
    assert fields == {"gender": "none", "age": "view", "height": "edit"}


async def test_prevent_null_chars(api: API) -> None:
    await f.field(api.ws.org_id, "string_field", "String")
    await f.field(api.ws.org_id, "number_field", "Number", value_type="N")
    resp = await api.post(
        "contacts.json",
        {"name": "Jean", "urns": ["tel:+250783333334"],
         "fields": {"string_field": "crayons on the wall \u0000, pudding on the wall \x00, yeah \0"}},
        token=api.ws.tokens["editor"],
    )  # fmt: skip
    assert_error(resp, ("fields", "string_field"), "Null characters are not allowed.")
    async with transaction() as s:
        assert (await s.execute(select(Contact).where(Contact.name == "Jean"))).first() is None
