"""Broadcasts: send_broadcast splits recipients into batches, send_broadcast_batch writes and queues msgs."""

import asyncio

from mailroom import broadcasts
from mailroom.tasks import send_broadcast_batch
from tests.mailroom.test_support_batch import (
    execute,
    insert_broadcast,
    one,
    queued_tasks,
    run_tasks,
    scalars,
    sent_msgs,
    workspace,
)
from upesi.queues.fair import QUEUE_BATCH, QUEUE_THROTTLED, FairQueue
from upesi.queues.redis import get_redis

TRANSLATIONS = {
    "eng": {"text": "Hi @contact.name", "attachments": [], "quick_replies": ["Yes", "No"]},
    "fra": {
        "text": "Salut @contact.first_name",
        "attachments": ["image/jpeg:https://x.test/a.jpg"],
        "quick_replies": [],
    },
}


async def test_broadcast_to_a_group_translated_by_language(db: None, monkeypatch) -> None:
    monkeypatch.setattr(broadcasts, "BATCH_SIZE", 2)
    ws = await workspace(4)
    c = ws["contact_ids"]
    await execute("UPDATE contacts SET language = 'fra', name = 'Marie Curie' WHERE id = :c", c=c[0])
    await execute("UPDATE contacts SET language = 'spa' WHERE id = :c", c=c[1])  # no Spanish: base language
    bcast = await insert_broadcast(ws["org_id"], TRANSLATIONS, group_ids=[ws["group_id"]])
    await FairQueue(get_redis(), QUEUE_BATCH).push(ws["org_id"], "send_broadcast", {"broadcast_id": bcast})

    await run_tasks(max_tasks=1)
    row = await one("SELECT status, contact_count FROM broadcasts WHERE id = :b", b=bcast)
    assert (row.status, row.contact_count) == ("Q", 4)
    assert [t.task["contact_ids"] for t in await queued_tasks(QUEUE_THROTTLED)] == [c[0:2], c[2:4]]

    await run_tasks()
    assert (await one("SELECT status FROM broadcasts WHERE id = :b", b=bcast)).status == "C"
    by_contact = {m["contact"]["id"]: m for m in await sent_msgs()}
    assert by_contact[c[0]]["text"] == "Salut Marie"
    assert by_contact[c[0]]["attachments"] == ["image/jpeg:https://x.test/a.jpg"]
    assert by_contact[c[0]]["locale"] == "fra"
    assert by_contact[c[1]]["text"] == "Hi C1" and by_contact[c[1]]["quick_replies"] == ["Yes", "No"]
    assert by_contact[c[1]]["locale"] == "eng"
    assert by_contact[c[1]]["origin"] == "broadcast"
    rows = await scalars("SELECT status FROM msgs WHERE broadcast_id = :b AND direction = 'O'", b=bcast)
    assert rows == ["Q"] * 4


async def test_batch_run_twice_sends_once(db: None) -> None:
    ws = await workspace(3)
    bcast = await insert_broadcast(ws["org_id"], TRANSLATIONS, contact_ids=ws["contact_ids"])
    await broadcasts.split_broadcast(ws["org_id"], bcast)
    [batch] = await queued_tasks(QUEUE_THROTTLED)
    await send_broadcast_batch.handle(ws["org_id"], batch.task)
    await send_broadcast_batch.handle(ws["org_id"], batch.task)
    await broadcasts.split_broadcast(ws["org_id"], bcast)  # redelivered parent: nothing left to do
    await run_tasks()
    assert len(await sent_msgs()) == 3
    assert len(await scalars("SELECT id FROM msgs WHERE broadcast_id = :b", b=bcast)) == 3


async def test_a_contact_already_sent_the_broadcast_is_not_sent_it_again(db: None) -> None:
    ws = await workspace(3)
    c = ws["contact_ids"]
    bcast = await insert_broadcast(ws["org_id"], TRANSLATIONS, contact_ids=c)
    await broadcasts.split_broadcast(ws["org_id"], bcast)
    # c1 has it already (another batch of a split made before, say): the batch sends the other two only
    await execute(
        "INSERT INTO msgs (uuid, org_id, contact_id, broadcast_id, text, direction, status, created_on, modified_on)"
        " VALUES (gen_random_uuid(), :o, :c, :b, 'Hi C1', 'O', 'W', now(), now())",
        o=ws["org_id"], c=c[1], b=bcast,
    )  # fmt: skip
    await run_tasks()
    assert sorted(m["contact"]["id"] for m in await sent_msgs()) == [c[0], c[2]]
    per_contact = await scalars(
        "SELECT count(*) FROM msgs WHERE broadcast_id = :b GROUP BY contact_id ORDER BY contact_id", b=bcast
    )
    assert per_contact == [1, 1, 1]
    assert (await one("SELECT status FROM broadcasts WHERE id = :b", b=bcast)).status == "C"


async def test_broadcast_to_urns_and_a_contact_with_no_channel(db: None) -> None:
    ws = await workspace(1)
    bcast = await insert_broadcast(
        ws["org_id"], {"eng": {"text": "Hello @contact.urn"}}, urns=["tel:+15557770000", "twitterid:12345"]
    )
    await broadcasts.split_broadcast(ws["org_id"], bcast)
    await run_tasks()
    msgs = await sent_msgs()
    assert [m["text"] for m in msgs] == ["Hello tel:+15557770000"]
    failed = await one(
        "SELECT status, failed_reason FROM msgs WHERE broadcast_id = :b AND status = 'F'", b=bcast
    )
    assert failed.failed_reason == "N"  # no channel sends twitterid


async def test_scheduled_broadcast_is_not_sent_by_send_broadcast(db: None) -> None:
    ws = await workspace(1)
    bcast = await insert_broadcast(
        ws["org_id"], TRANSLATIONS, contact_ids=ws["contact_ids"],
        schedule={"start": "2030-01-01T09:00:00Z", "repeat_period": "O"},
    )  # fmt: skip
    await broadcasts.split_broadcast(ws["org_id"], bcast)
    await run_tasks()
    assert await sent_msgs() == []


async def test_batches_finishing_together_complete_the_broadcast(db: None, monkeypatch) -> None:
    """Every broadcast's two batches run at the same time, on two connections: whichever commits last must
    see the other done and mark the broadcast completed."""
    monkeypatch.setattr(broadcasts, "BATCH_SIZE", 2)
    ws = await workspace(4)
    bcasts = [
        await insert_broadcast(ws["org_id"], TRANSLATIONS, contact_ids=ws["contact_ids"]) for _ in range(12)
    ]
    for bcast in bcasts:
        await broadcasts.split_broadcast(ws["org_id"], bcast)
    tasks = await queued_tasks(QUEUE_THROTTLED)
    assert len(tasks) == 24
    by_broadcast: dict[int, list] = {}
    for t in tasks:
        by_broadcast.setdefault(t.task["broadcast_id"], []).append(t.task)
    for pair in by_broadcast.values():
        await asyncio.gather(*(send_broadcast_batch.handle(ws["org_id"], task) for task in pair))
    statuses = await scalars("SELECT status FROM broadcasts WHERE id = ANY(:b)", b=bcasts)
    assert statuses == ["C"] * 12
