from datetime import UTC, datetime

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import Broadcast, Msg
from upesi.queues.fair import QUEUE_BATCH, FairQueue, Task
from upesi.queues.redis import get_redis


async def pop_task(org_id: int) -> Task:
    popped = await FairQueue(get_redis(), QUEUE_BATCH).pop()
    assert popped is not None
    assert popped[0] == str(org_id)
    return Task.decode(*popped)


async def test_list_messages_shape_and_folders(api: API) -> None:
    ch = await f.channel(api.ws.org_id)
    flow = await f.flow(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    inbox = await f.msg(api.ws.org_id, bob, "hello", channel_id=ch.id)
    in_flow = await f.msg(api.ws.org_id, bob, "yes", flow_id=flow.id)
    archived = await f.msg(api.ws.org_id, bob, "old", visibility="A")
    sent = await f.msg(api.ws.org_id, bob, "reply", direction="O", status="D", sent_on=datetime.now(UTC),
                       attachments=["image/jpeg:https://example.com/a.jpg"], quick_replies=["Yes", "No"])  # fmt: skip
    queued = await f.msg(api.ws.org_id, bob, "later", direction="O", status="P")
    failed = await f.msg(api.ws.org_id, bob, "oops", direction="O", status="F")
    await f.msg(api.ws.org_id, bob, "pending in", status="P")
    await f.msg(api.other.org_id, await f.contact(api.other.org_id), "theirs")

    async def ids(**params: str) -> list[int]:
        resp = await api.get("messages.json", **params)
        assert resp.status_code == 200, resp.text
        return [m["id"] for m in resp.json()["results"]]

    assert await ids() == [failed.id, queued.id, sent.id, archived.id, in_flow.id, inbox.id]
    assert await ids(folder="inbox") == [inbox.id]
    assert await ids(folder="Flows") == [in_flow.id]
    assert await ids(folder="archived") == [archived.id]
    assert await ids(folder="outbox") == [queued.id]
    assert await ids(folder="sent") == [sent.id]
    assert await ids(folder="failed") == [failed.id]
    assert await ids(folder="nonsense") == []
    assert await ids(contact=bob.uuid, before=inbox.created_on.isoformat()) == [inbox.id]

    m = (await api.get("messages.json", uuid=sent.uuid)).json()["results"][0]
    assert m["contact"] == {"uuid": bob.uuid, "name": "Bob"}
    assert m["direction"] == "out" and m["status"] == "delivered" and m["type"] == "text"
    assert m["attachments"] == [{"content_type": "image/jpeg", "url": "https://example.com/a.jpg"}]
    assert m["quick_replies"] == [{"type": "text", "text": "Yes"}, {"type": "text", "text": "No"}]
    assert m["visibility"] == "visible" and m["archived"] is False
    q = (await api.get("messages.json", uuid=queued.uuid)).json()["results"][0]
    assert q["status"] == "queued"
    i = (await api.get("messages.json", uuid=inbox.uuid)).json()["results"][0]
    assert i["channel"] == {"uuid": ch.uuid, "name": ch.name}

    resp = await api.get("messages.json", contact=bob.uuid, folder="inbox")
    assert resp.status_code == 400
    assert resp.json() == {
        "detail": "You may only specify one of the contact, folder, label, broadcast parameters"
    }


async def test_messages_filter_by_broadcast_id(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    bc = await f.add(Broadcast(uuid=f.uid(), org_id=api.ws.org_id, translations={"eng": {"text": "hi"}}))
    m = await f.msg(api.ws.org_id, bob, "hi", direction="O", status="W", broadcast_id=bc.id)
    await f.msg(api.ws.org_id, bob, "other", direction="O", status="W")
    results = (await api.get("messages.json", broadcast=str(bc.id))).json()["results"]
    assert [(r["id"], r["status"], r["broadcast"]) for r in results] == [(m.id, "wired", bc.id)]


async def test_send_message(api: API) -> None:
    ch = await f.channel(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    resp = await api.post("messages.json", {"contact": bob.uuid, "text": "Hi Bob",
                                            "quick_replies": [{"text": "Yes"}, {"text": "No"}]})  # fmt: skip
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "queued" and body["direction"] == "out"
    assert body["urn"] == "tel:+250788123123"
    assert body["channel"] == {"uuid": ch.uuid, "name": ch.name}
    assert body["quick_replies"] == [{"type": "text", "text": "Yes"}, {"type": "text", "text": "No"}]
    task = await pop_task(api.ws.org_id)
    assert task.type == "send_msg" and task.task == {"msg_id": body["id"]}
    async with transaction() as s:
        row = (await s.execute(select(Msg).where(Msg.id == body["id"]))).scalar_one()
    assert (row.status, row.direction, row.channel_id, row.created_by_id) == ("Q", "O", ch.id, api.ws.user_id)


async def test_send_message_without_channel_fails_and_is_not_queued(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob", ["telegram:123"])
    await f.channel(api.ws.org_id)  # tel only
    resp = await api.post("messages.json", {"contact": bob.uuid, "text": "Hi"})
    assert resp.status_code == 201
    assert resp.json()["status"] == "failed"
    assert await FairQueue(get_redis(), QUEUE_BATCH).size() == 0


async def test_send_message_errors(api: API) -> None:
    theirs = await f.contact(api.other.org_id, "Theirs", ["tel:+250788123123"])
    resp = await api.post("messages.json", {"contact": theirs.uuid, "text": "x"})
    assert resp.status_code == 400
    assert resp.json() == {"contact": [f"No such object: {theirs.uuid}"]}
    resp = await api.post("messages.json", {"text": "x" * 5000})
    assert resp.json() == {
        "contact": ["This field is required."],
        "text": ["Ensure this field has no more than 4096 characters."],
    }
    mine = await f.contact(api.ws.org_id, "Mine")
    resp = await api.post("messages.json", {"contact": mine.uuid})
    assert resp.json() == {"non_field_errors": ["Must provide either text or attachments."]}
    # agents may send messages but not list them
    assert (
        await api.post("messages.json", {"contact": mine.uuid, "text": "x"}, token=api.ws.tokens["agent"])
    ).status_code == 201
    assert (await api.get("messages.json", token=api.ws.tokens["agent"])).status_code == 403
