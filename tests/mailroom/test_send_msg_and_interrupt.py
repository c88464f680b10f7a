"""The API's send_msg and interrupt_contacts tasks."""

from mailroom import starts
from mailroom.tasks import interrupt_contacts, send_msg
from tests.mailroom.test_support_batch import (
    execute,
    insert_start,
    one,
    run_tasks,
    scalars,
    sent_msgs,
    workspace,
)


async def test_send_msg_queues_an_api_message(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    msg_id = (
        await one(
            """
            INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
            SELECT gen_random_uuid(), :o, :ch, :c, u.id, 'from the API', 'O', 'I' FROM contact_urns u
            WHERE u.contact_id = :c RETURNING id
            """,
            o=ws["org_id"], ch=ws["channel_id"], c=c,
        )
    ).id  # fmt: skip
    await send_msg.handle(ws["org_id"], {"msg_id": msg_id})
    assert [m["text"] for m in await sent_msgs()] == ["from the API"]
    assert (await one("SELECT status FROM msgs WHERE id = :i", i=msg_id)).status == "Q"
    await execute("UPDATE msgs SET status = 'S' WHERE id = :i", i=msg_id)
    await send_msg.handle(ws["org_id"], {"msg_id": msg_id})  # already sent: not queued again
    assert len(await sent_msgs()) == 1


async def test_interrupt_contacts_ends_waiting_sessions(db: None) -> None:
    ws = await workspace(2)
    c = ws["contact_ids"]
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], ws["join_id"], contact_ids=c))
    await run_tasks()
    assert await scalars("SELECT status FROM flow_sessions ORDER BY contact_id") == ["W", "W"]
    await interrupt_contacts.handle(ws["org_id"], {"contact_ids": [c[0]]})
    await interrupt_contacts.handle(ws["org_id"], {"contact_ids": [c[0]]})  # idempotent
    assert await scalars("SELECT status FROM flow_sessions ORDER BY contact_id") == ["I", "W"]
    assert await scalars("SELECT status FROM flow_runs ORDER BY contact_id") == ["I", "W"]
    contact = await one("SELECT current_session_uuid FROM contacts WHERE id = :c", c=c[0])
    assert contact.current_session_uuid is None
    assert await scalars("SELECT contact_id FROM contact_fires WHERE fire_type = 'E'") == [c[1]]
