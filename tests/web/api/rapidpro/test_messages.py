"""messages (reads and plain writes): RapidPro's test_messages.py assertions, ported."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import ContactURN, Label, Media, Msg, msg_labels
from web.api.v2.values import fmt_dt


async def test_endpoint(api: API) -> None:
    url = "messages.json"
    assert (await api.client.get("/api/v2/messages.json")).status_code == 403
    assert (await api.client.post("/api/v2/messages.json", json={})).status_code == 403
    assert (await api.get(url, token=api.ws.tokens["agent"])).status_code == 403
    # an agent may send (RapidPro refuses only the anonymous): its write is validated
    assert_error(await api.post(url, {}, token=api.ws.tokens["agent"]), "contact", "This field is required.")
    assert (await api.delete(url)).status_code == 405
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    hans = await f.contact(api.other.org_id, "Hans Gruber", urns=["tel:+4921551511"])
    channel = await f.channel(api.ws.org_id)
    facebook = await f.channel(api.ws.org_id, "FBA", "billy_bob", schemes=["facebook"])
    flow = await f.flow(api.ws.org_id, "Test")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def at(i: int) -> datetime:
        return t0 + timedelta(minutes=i)

    joe_msg1 = await f.msg(
        api.ws.org_id, joe, "Howdy", flow_id=flow.id, channel_id=channel.id, created_on=at(1)
    )
    async with transaction() as s:
        frank_urn = (
            await s.execute(select(ContactURN.id).where(ContactURN.contact_id == frank.id))
        ).scalar_one()
    frank_msg1 = await f.msg(api.ws.org_id, frank, "Bonjour", channel_id=facebook.id, created_on=at(2),
                             contact_urn_id=frank_urn)  # fmt: skip
    joe_msg2 = await f.msg(api.ws.org_id, joe, "How are you?", direction="O", status="Q", created_on=at(3))
    frank_msg2 = await f.msg(
        api.ws.org_id, frank, "Ça va?", direction="O", status="D", created_on=at(4), sent_on=at(9)
    )
    joe_msg3 = await f.msg(api.ws.org_id, joe, "Good", flow_id=flow.id, created_on=at(5),
                           attachments=["image/jpeg:https://example.com/test.jpg"])  # fmt: skip
    frank_msg3 = await f.msg(
        api.ws.org_id, frank, "Bien", channel_id=facebook.id, visibility="A", created_on=at(6)
    )
    frank_msg4 = await f.msg(api.ws.org_id, frank, "Ça va?", direction="O", status="F", created_on=at(7))
    joe_msg4 = await f.msg(
        api.ws.org_id, joe, "Sorry", direction="O", status="F", failed_reason="D", created_on=at(8)
    )
    await f.msg(
        api.ws.org_id, joe, "Just in!", status="P", created_on=at(10)
    )  # not yet handled: never listed
    await f.msg(api.other.org_id, hans, "Guten tag!")
    label = await f.add(Label(uuid=f.uid(), org_id=api.ws.org_id, name="Spam"))
    async with transaction() as s:
        await s.execute(insert(msg_labels).values([{"label_id": label.id, "msg_id": m.id}
                                                   for m in (frank_msg3, frank_msg1, joe_msg3)]))  # fmt: skip

    def uuids(*msgs: object) -> list[str]:
        return [str(m.uuid) for m in msgs]  # type: ignore[attr-defined]

    assert ids_of(await api.get(url)) == uuids(joe_msg4, frank_msg4, frank_msg3, joe_msg3, frank_msg2, joe_msg2,
                                               frank_msg1, joe_msg1)  # fmt: skip
    inbox = (await api.get(url, folder="INBOX")).json()["results"]
    assert [m["uuid"] for m in inbox] == uuids(frank_msg1)
    assert inbox[0] | {"created_on": None, "modified_on": None} == {
        "uuid": str(frank_msg1.uuid), "id": frank_msg1.id, "type": "text",
        "channel": {"uuid": str(facebook.uuid), "name": facebook.name},
        "contact": {"uuid": str(frank.uuid), "name": "Frank"}, "urn": "facebook:123456", "text": "Bonjour",
        "attachments": [], "quick_replies": [], "archived": False, "broadcast": None, "created_on": None,
        "direction": "in", "flow": None, "labels": [{"uuid": str(label.uuid), "name": "Spam"}], "media": None,
        "modified_on": None, "sent_on": None, "status": "handled", "visibility": "visible",
    }  # fmt: skip
    assert ids_of(await api.get(url, folder="flows")) == uuids(joe_msg3, joe_msg1)
    assert ids_of(await api.get(url, folder="archived")) == uuids(frank_msg3)
    assert ids_of(await api.get(url, folder="outbox")) == uuids(joe_msg2)
    assert ids_of(await api.get(url, folder="sent")) == uuids(frank_msg2)
    assert ids_of(await api.get(url, folder="failed")) == uuids(joe_msg4, frank_msg4)
    assert ids_of(await api.get(url, folder="invalid")) == []
    assert ids_of(await api.get(url, uuid=str(joe_msg3.uuid))) == uuids(joe_msg3)
    assert ids_of(await api.get(url, id=str(joe_msg3.id))) == uuids(joe_msg3)
    assert ids_of(await api.get(url, contact=str(joe.uuid))) == uuids(joe_msg4, joe_msg3, joe_msg2, joe_msg1)
    # a contact that is not a UUID matches nothing (RapidPro: an empty list, not a 400)
    assert ids_of(await api.get(url, contact="invalid")) == []
    assert ids_of(await api.get(url, label=str(label.uuid))) == uuids(frank_msg3, joe_msg3, frank_msg1)
    assert ids_of(await api.get(url, label="Spam")) == uuids(frank_msg3, joe_msg3, frank_msg1)
    assert ids_of(await api.get(url, label="invalid")) == []
    assert ids_of(await api.get(url, contact=str(joe.uuid), before=at(5).isoformat())) == uuids(
        joe_msg3, joe_msg2, joe_msg1
    )
    assert ids_of(await api.get(url, contact=str(joe.uuid), after=at(3).isoformat())) == uuids(
        joe_msg4, joe_msg3, joe_msg2
    )
    assert_error(await api.get(url, id="xyz"), None, "Value for id must be an integer")
    for query in ({"contact": str(joe.uuid), "label": "Spam"}, {"label": "Spam", "folder": "inbox"},
                  {"broadcast": "12345", "folder": "inbox"}, {"broadcast": "12345", "label": "Spam"}):  # fmt: skip
        assert_error(await api.get(url, **query), None,
                     "You may only specify one of the contact, folder, label, broadcast parameters")  # fmt: skip

    await set_org(api.ws.org_id, is_anon=True)
    assert (await api.get(url, id=str(joe_msg3.id))).json()["results"][0]["urn"] is None


async def test_writes(api: API) -> None:
    url = "messages.json"
    channel = await f.channel(api.ws.org_id)
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    assert_error(await api.post(url, {}), "contact", "This field is required.")
    assert_error(
        await api.post(url, {"contact": joe.uuid}),
        "non_field_errors",
        "Must provide either text or attachments.",
    )
    resp = await api.post(url, {"contact": joe.uuid, "text": "Interesting"})
    assert resp.status_code == 201
    body = resp.json()
    async with transaction() as s:
        msg = (await s.execute(select(Msg).where(Msg.uuid == body["uuid"]))).scalar_one()
    assert body == {
        "uuid": msg.uuid, "id": msg.id, "type": "text", "channel": {"uuid": str(channel.uuid), "name": channel.name},
        "contact": {"uuid": str(joe.uuid), "name": "Joe Blow"}, "urn": "tel:+250788123123", "text": "Interesting",
        "attachments": [], "quick_replies": [], "archived": False, "broadcast": None,
        "created_on": fmt_dt(msg.created_on), "direction": "out", "flow": None, "labels": [], "media": None,
        "modified_on": fmt_dt(msg.modified_on), "sent_on": None, "status": "queued", "visibility": "visible",
    }  # fmt: skip
    assert (msg.text, msg.attachments, msg.direction, msg.status) == ("Interesting", [], "O", "Q")
    assert (await api.client.post("/api/v2/messages.json", json={})).status_code == 403

    # an attachment as a media UUID, or as <content-type>:<url> of an uploaded media: sent as the media's URL
    upload_uuid = f.uid()
    upload = await f.add(Media(uuid=upload_uuid, org_id=api.ws.org_id, content_type="image/jpeg",
                               filename="steve marten.jpg", path="steve marten.jpg",
                               url=f"https://media.test/{upload_uuid}/steve%20marten.jpg"))  # fmt: skip
    for given in (str(upload.uuid), f"image/jpeg:https://example.com/{upload.uuid}.jpg"):
        resp = await api.post(url, {"contact": joe.uuid, "attachments": [given]})
        assert resp.status_code == 201, resp.text
        assert resp.json()["attachments"] == [{"content_type": "image/jpeg", "url": upload.url}]
    assert_error(await api.post(url, {"contact": joe.uuid, "text": "Hi", "attachments": ["xxxx"]}), "attachments",
                 "No such object: xxxx")  # fmt: skip
    missing = "67ffe746-8771-40fb-89c1-5388e7ddd439"
    assert_error(await api.post(url, {"contact": joe.uuid, "text": "Hi", "attachments": [missing]}), "attachments",
                 f"No such object: {missing}")  # fmt: skip
    resp = await api.post(url, {"contact": joe.uuid, "attachments": [missing] * 11})
    assert_error(resp, "attachments", "Ensure this field has no more than 10 elements.")
    billy = await f.contact(api.ws.org_id, "Billy")
    resp = await api.post(url, {"contact": billy.uuid, "text": "well?"})
    assert resp.status_code == 201
    assert (resp.json()["channel"], resp.json()["urn"], resp.json()["status"]) == (None, None, "failed")


async def test_filter_by_broadcast(api: API) -> None:
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    resp = await api.post("broadcasts.json", {"text": "A beautiful broadcast", "contacts": [joe.uuid, frank.uuid]},
                          token=api.ws.tokens["editor"])  # fmt: skip
    assert resp.status_code == 201
    broadcast_id = resp.json()["id"]
    # the messages mailroom creates for it
    sent = [await f.msg(api.ws.org_id, c, "A beautiful broadcast", direction="O", status="W",
                        broadcast_id=broadcast_id) for c in (joe, frank)]  # fmt: skip
    await f.msg(api.ws.org_id, joe, "not of it")
    resp = await api.get("messages.json", token=api.ws.tokens["editor"], broadcast=str(broadcast_id))
    assert ids_of(resp) == [str(m.uuid) for m in sorted(sent, key=lambda m: -m.id)]
    assert {m["broadcast"] for m in resp.json()["results"]} == {broadcast_id}
