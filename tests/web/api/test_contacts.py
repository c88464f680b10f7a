import json

from sqlalchemy import func, select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactURN
from upesi.queues.redis import get_redis


async def test_list_shape_and_fields(api: API) -> None:
    age = await f.field(api.ws.org_id, "age", "Age", "N")
    await f.field(api.ws.org_id, "nickname", "Nickname")
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"], language="eng",
                          fields={age.uuid: {"text": "23", "number": 23}})  # fmt: skip
    g = await f.group(api.ws.org_id, "Testers", [bob])
    resp = await api.get("contacts.json")
    assert resp.status_code == 200
    [c] = resp.json()["results"]
    assert c["uuid"] == bob.uuid
    assert c["name"] == "Bob"
    assert c["status"] == "active"
    assert c["language"] == "eng"
    assert c["urns"] == ["tel:+250788123123"]
    assert c["groups"] == [{"uuid": g.uuid, "name": "Testers"}]
    assert c["fields"] == {"age": "23", "nickname": None}
    assert c["flow"] is None
    assert c["blocked"] is False and c["stopped"] is False
    assert c["created_on"].endswith("Z") and len(c["created_on"]) == 27


async def test_filters(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    ann = await f.contact(api.ws.org_id, "Ann", ["telegram:1234"])
    await f.group(api.ws.org_id, "Testers", [ann])

    async def names(**params: str) -> list[str]:
        resp = await api.get("contacts.json", **params)
        assert resp.status_code == 200, resp.text
        return [c["name"] for c in resp.json()["results"]]

    assert await names() == ["Ann", "Bob"]
    assert await names(reverse="true") == ["Bob", "Ann"]
    assert await names(uuid=bob.uuid) == ["Bob"]
    assert await names(urn="tel:0788123123") == ["Bob"]  # normalised with the workspace country
    assert await names(group="testers") == ["Ann"]
    assert await names(after="2099-01-01T00:00:00Z") == []
    assert await names(before="not-a-date") == []
    resp = await api.get("contacts.json", uuid="nope")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Param 'uuid': nope is not a valid UUID."}


async def test_pagination_walks_every_contact_once(api: API) -> None:
    async with transaction() as s:
        s.add_all([Contact(uuid=f.uid(), org_id=api.ws.org_id, name=f"C{i}", fields={}) for i in range(260)])
    first = (await api.get("contacts.json")).json()
    assert len(first["results"]) == 250
    assert first["previous"] is None
    assert "cursor=" in first["next"]
    second = (await api.client.get(first["next"], headers=api.headers())).json()
    assert len(second["results"]) == 10
    assert second["next"] is None
    seen = {c["uuid"] for c in first["results"]} | {c["uuid"] for c in second["results"]}
    assert len(seen) == 260
    back = (await api.client.get(second["previous"], headers=api.headers())).json()
    assert [c["uuid"] for c in back["results"]] == [c["uuid"] for c in first["results"]]
    bad = await api.get("contacts.json", cursor="garbage!")
    assert bad.status_code == 404


async def test_create_update_delete(api: API) -> None:
    await f.field(api.ws.org_id, "age", "Age", "N")
    g = await f.group(api.ws.org_id, "Testers")
    resp = await api.post("contacts.json", {"name": "Jo", "language": "fra", "urns": ["tel:0788555555", "telegram:99"],
                                            "groups": [g.uuid], "fields": {"age": "31"}})  # fmt: skip
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["urns"] == ["tel:+250788555555", "telegram:99"]
    assert body["groups"] == [{"uuid": g.uuid, "name": "Testers"}]
    assert body["fields"] == {"age": "31"}

    resp = await api.post("contacts.json", {"name": "Joanna", "groups": []}, uuid=body["uuid"])
    assert resp.status_code == 200
    assert resp.json()["name"] == "Joanna"
    assert resp.json()["groups"] == []
    assert resp.json()["urns"] == ["tel:+250788555555", "telegram:99"]

    # update by URN
    resp = await api.post("contacts.json", {"fields": {"age": None}}, urn="tel:+250788555555")
    assert resp.status_code == 200
    assert resp.json()["fields"] == {"age": None}

    resp = await api.delete("contacts.json", uuid=body["uuid"])
    assert resp.status_code == 204
    deleted = (await api.get("contacts.json", deleted="true")).json()["results"]
    assert [c["uuid"] for c in deleted] == [body["uuid"]]
    assert deleted[0]["status"] is None
    async with transaction() as s:
        owned = (
            await s.execute(
                select(func.count()).select_from(ContactURN).where(ContactURN.contact_id.is_not(None))
            )
        ).scalar()
    assert owned == 0
    # mailroom re-evaluates smart groups and campaign fires after each write, and interrupts the deleted contact
    queued = [
        json.loads(p.split("|", 1)[1])["type"] for p in await get_redis().lrange("{tasks:batch}:o:1/0", 0, -1)
    ]
    assert queued.count("interrupt_contacts") == 1
    assert queued.count("schedule_contact_fires") == 3


async def test_post_with_urn_creates_when_missing(api: API) -> None:
    resp = await api.post("contacts.json", {"name": "New"}, urn="tel:+250788999999")
    assert resp.status_code == 201
    assert resp.json()["urns"] == ["tel:+250788999999"]
    again = await api.post("contacts.json", {"name": "Newer"}, urn="tel:+250788999999")
    assert again.status_code == 200
    assert again.json()["uuid"] == resp.json()["uuid"]
    refused = await api.post("contacts.json", {"urns": ["tel:+250788111111"]}, urn="tel:+250788999999")
    assert refused.status_code == 400
    assert "urns" in refused.json()


async def test_validation_errors(api: API) -> None:
    await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    smart = await f.group(api.ws.org_id, "Smart", group_type="Q", query="age > 10")
    resp = await api.post("contacts.json", {"urns": ["tel:+250788123123"], "groups": [smart.uuid],
                                            "fields": {"nope": "x"}, "language": "english"})  # fmt: skip
    assert resp.status_code == 400
    assert resp.json() == {
        "language": ["Ensure this field has no more than 3 characters."],
        "urns": {"0": ["URN is in use by another contact."]},
        "groups": [f"Contact group must not be query based: {smart.uuid}"],
        "fields": ["Invalid contact field key: nope"],
    }
    resp = await api.post("contacts.json", {"urns": ["bogus"]})
    assert resp.status_code == 400 and "urns" in resp.json()
    resp = await api.post("contacts.json", {}, uuid=f.uid())
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not found."}
    resp = await api.post("contacts.json", {}, uuid=f.uid(), urn="tel:+250788123123")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "URL can only contain one of the following parameters: urn, uuid"}
    resp = await api.delete("contacts.json")
    assert resp.status_code == 400


async def test_isolation(api: API) -> None:
    theirs = await f.contact(api.other.org_id, "Theirs", ["tel:+250788123123"])
    mine = await f.contact(api.ws.org_id, "Mine", ["tel:+250788123123"])
    listed = (await api.get("contacts.json")).json()["results"]
    assert [c["uuid"] for c in listed] == [mine.uuid]
    assert (await api.get("contacts.json", uuid=theirs.uuid)).json()["results"] == []
    assert (await api.post("contacts.json", {"name": "x"}, uuid=theirs.uuid)).status_code == 404
    assert (await api.delete("contacts.json", uuid=theirs.uuid)).status_code == 404
    # same URN in the other workspace is not "in use"
    resp = await api.post("contacts.json", {"urns": ["tel:+250788123124"]}, token=api.other.token)
    assert resp.status_code == 201


async def test_roles(api: API) -> None:
    agent, viewer = api.ws.tokens["agent"], api.ws.tokens["viewer"]
    assert (await api.get("contacts.json", token=agent)).status_code == 200
    assert (await api.post("contacts.json", {"name": "A"}, token=agent)).status_code == 201
    assert (await api.post("contacts.json", {"name": "V"}, token=viewer)).status_code == 403
    resp = await api.delete("contacts.json", token=agent, uuid=f.uid())
    assert resp.status_code == 403
    assert resp.json() == {"detail": "You do not have permission to perform this action."}
    assert (await api.get("contacts.json", token=api.ws.tokens["editor"])).status_code == 200


async def test_notes(api: API) -> None:
    resp = await api.post("contacts.json", {"name": "Jo", "note": "Prefers SMS in the evening"})
    assert resp.status_code == 201
    [note] = resp.json()["notes"]
    assert note["text"] == "Prefers SMS in the evening"
    assert note["created_by"] == {"email": "admin@nyaruka.com", "name": ""}
    assert note["created_on"].endswith("Z")
    resp = await api.post("contacts.json", {"note": "Moved to Kigali"}, uuid=resp.json()["uuid"])
    assert [n["text"] for n in resp.json()["notes"]] == ["Prefers SMS in the evening", "Moved to Kigali"]
    listed = (await api.get("contacts.json")).json()["results"][0]
    assert len(listed["notes"]) == 2
    assert (await api.post("contacts.json", {"note": "x" * 10_001})).status_code == 400
