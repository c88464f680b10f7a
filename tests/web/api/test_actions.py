from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.test_messages import pop_task
from upesi.db.engine import transaction
from upesi.db.models import Contact, Msg, contact_group_contacts
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


async def drain(org_id: int) -> list:
    """Every task queued for mailroom so far, in order."""
    tasks = []
    while await FairQueue(get_redis(), QUEUE_BATCH).size():
        tasks.append(await pop_task(org_id))
    return tasks


async def test_contact_actions(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    ann = await f.contact(api.ws.org_id, "Ann")
    g = await f.group(api.ws.org_id, "Testers")
    resp = await api.post(
        "contact_actions.json",
        {"contacts": [bob.uuid, "tel:0788123123", ann.uuid], "action": "add", "group": "Testers"},
    )
    assert resp.status_code == 204, resp.text
    async with transaction() as s:
        members = set(
            (
                await s.execute(
                    select(contact_group_contacts.c.contact_id).where(
                        contact_group_contacts.c.group_id == g.id
                    )
                )
            ).scalars()
        )
    assert members == {bob.id, ann.id}
    assert (
        await api.post("contact_actions.json", {"contacts": [ann.uuid], "action": "remove", "group": g.uuid})
    ).status_code == 204
    assert [c["name"] for c in (await api.get("contacts.json", group=g.uuid)).json()["results"]] == ["Bob"]

    assert (
        await api.post("contact_actions.json", {"contacts": [bob.uuid], "action": "block"})
    ).status_code == 204
    assert (await api.get("contacts.json", uuid=bob.uuid)).json()["results"][0]["status"] == "blocked"
    # every membership and status change asks mailroom to re-evaluate smart groups and campaign fires;
    # blocking also interrupts the contact's flows
    queued = await drain(api.ws.org_id)
    assert [(t.type, t.task) for t in queued if t.type == "interrupt_contacts"] == [
        ("interrupt_contacts", {"contact_ids": [bob.id]})
    ]
    assert {"contact_ids": [bob.id]} in [t.task for t in queued if t.type == "schedule_contact_fires"]
    assert (
        await api.post("contact_actions.json", {"contacts": [bob.uuid], "action": "unblock"})
    ).status_code == 204
    assert (await api.get("contacts.json", uuid=bob.uuid)).json()["results"][0]["status"] == "active"
    assert [t.type for t in await drain(api.ws.org_id)] == ["schedule_contact_fires"]

    assert (
        await api.post("contact_actions.json", {"contacts": [ann.uuid], "action": "interrupt"})
    ).status_code == 204
    assert [(t.type, t.task) for t in await drain(api.ws.org_id)] == [
        ("interrupt_contacts", {"contact_ids": [ann.id]})
    ]

    m = await f.msg(api.ws.org_id, bob, "hello")
    assert (
        await api.post("contact_actions.json", {"contacts": [bob.uuid], "action": "archive_messages"})
    ).status_code == 204
    async with transaction() as s:
        assert (await s.get(Msg, m.id)).visibility == "A"

    assert (
        await api.post("contact_actions.json", {"contacts": [ann.uuid], "action": "delete"})
    ).status_code == 204
    async with transaction() as s:
        assert (await s.get(Contact, ann.id)).is_active is False


async def test_contact_actions_errors_and_isolation(api: API) -> None:
    theirs = await f.contact(api.other.org_id, "Theirs")
    resp = await api.post("contact_actions.json", {"contacts": [theirs.uuid], "action": "block"})
    assert resp.status_code == 400
    assert resp.json() == {"contacts": [f"No such object: {theirs.uuid}"]}
    mine = await f.contact(api.ws.org_id)
    resp = await api.post("contact_actions.json", {"contacts": [mine.uuid], "action": "add"})
    assert resp.json() == {"non_field_errors": ['For action "add" you should also specify a group']}
    resp = await api.post("contact_actions.json", {"contacts": [mine.uuid], "action": "explode"})
    assert resp.json() == {"action": ['"explode" is not a valid choice.']}
    assert await FairQueue(get_redis(), QUEUE_BATCH).size() == 0
    resp = await api.post(
        "contact_actions.json", {"contacts": [mine.uuid], "action": "block"}, token=api.ws.tokens["viewer"]
    )
    assert resp.status_code == 403


async def test_message_actions_and_labels(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob")
    m1 = await f.msg(api.ws.org_id, bob, "one")
    m2 = await f.msg(api.ws.org_id, bob, "two")
    out = await f.msg(api.ws.org_id, bob, "out", direction="O", status="S")
    theirs = await f.msg(api.other.org_id, await f.contact(api.other.org_id), "theirs")

    resp = await api.post(
        "message_actions.json", {"messages": [m1.id, m2.id], "action": "label", "label_name": "Important"}
    )
    assert resp.status_code == 204, resp.text
    labels = (await api.get("labels.json")).json()["results"]
    assert [(x["name"], x["count"]) for x in labels] == [("Important", 2)]
    assert [m["id"] for m in (await api.get("messages.json", label="important")).json()["results"]] == [
        m2.id,
        m1.id,
    ]
    resp = await api.post(
        "message_actions.json", {"messages": [m1.id], "action": "unlabel", "label": labels[0]["uuid"]}
    )
    assert resp.status_code == 204
    assert (await api.get("labels.json")).json()["results"][0]["count"] == 1

    # an outgoing message is refused (RapidPro's "Not an incoming message"); one not found is a failure
    resp = await api.post("message_actions.json", {"messages": [m1.id, out.id], "action": "archive"})
    assert resp.status_code == 400 and resp.json() == {"messages": [f"Not an incoming message: {out.id}"]}
    resp = await api.post("message_actions.json", {"messages": [m1.id, theirs.id], "action": "archive"})
    assert resp.status_code == 200
    assert resp.json() == {"failures": [theirs.id]}
    assert [m["id"] for m in (await api.get("messages.json", folder="archived")).json()["results"]] == [m1.id]
    assert (
        await api.post("message_actions.json", {"messages": [m1.id], "action": "restore"})
    ).status_code == 204
    assert (
        await api.post("message_actions.json", {"messages": [m2.id], "action": "delete"})
    ).status_code == 204
    assert m2.id not in [m["id"] for m in (await api.get("messages.json")).json()["results"]]
    resp = await api.post("message_actions.json", {"messages": [m1.id], "action": "label", "label": "Nope"})
    assert resp.json() == {"label": ["No such object: Nope"]}


async def test_labels_crud(api: API) -> None:
    resp = await api.post("labels.json", {"name": "Spam"})
    assert resp.status_code == 201
    label = resp.json()
    assert label["name"] == "Spam" and label["count"] == 0
    assert (await api.post("labels.json", {"name": "Junk"}, uuid=label["uuid"])).json()["name"] == "Junk"
    assert (await api.get("labels.json", name="junk")).json()["results"][0]["uuid"] == label["uuid"]
    assert (await api.get("labels.json", token=api.other.token)).json()["results"] == []
    assert (await api.delete("labels.json", uuid=label["uuid"], token=api.other.token)).status_code == 404
    assert (await api.delete("labels.json", uuid=label["uuid"])).status_code == 204
    assert (await api.get("labels.json")).json()["results"] == []
