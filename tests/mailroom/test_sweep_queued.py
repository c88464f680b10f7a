"""Issue #22 point 3, courier side: a message a killed courier had popped stayed Q for good. sweep_queued queues
again a message stuck in Q that no courier was sending (lost from the queue), and fails, visibly, one a
courier was sending when it died (it may have reached the provider: never sent twice)."""

from datetime import timedelta

from mailroom.crons import all_crons, retry_msgs
from tests.mailroom.test_support_batch import execute, scalars, sent_msgs, workspace
from upesi.queues.outgoing import sending_key
from upesi.queues.redis import get_redis


async def _outgoing(ws: dict, contact_id: int, text: str, age: timedelta) -> str:
    await execute(
        """
        INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status, msg_type,
                          created_on, modified_on)
        SELECT gen_random_uuid(), :o, :ch, :c, u.id, :t, 'O', 'Q', 'T', now() - CAST(:age AS interval),
               now() - CAST(:age AS interval)
        FROM contact_urns u WHERE u.contact_id = :c
        """,
        o=ws["org_id"], ch=ws["channel_id"], c=contact_id, t=text, age=age,
    )  # fmt: skip
    return (await scalars("SELECT uuid::text FROM msgs WHERE text = :t", t=text))[0]


async def test_stuck_queued_messages_are_queued_again_or_failed(db: None) -> None:
    ws = await workspace(3)
    c = ws["contact_ids"]
    await _outgoing(ws, c[0], "lost from the queue", timedelta(minutes=40))
    mid_send = await _outgoing(ws, c[1], "courier died sending it", timedelta(minutes=40))
    await _outgoing(ws, c[2], "still waiting its turn", timedelta(minutes=1))
    await get_redis().set(sending_key(mid_send), "1")

    assert await retry_msgs.sweep_queued() == (1, 1)
    assert await retry_msgs.sweep_queued() == (0, 0)  # not again within the interval
    assert [m["text"] for m in await sent_msgs()] == ["lost from the queue"]
    statuses = await scalars("SELECT text || ':' || status FROM msgs WHERE direction = 'O' ORDER BY text")
    assert statuses == ["courier died sending it:F", "lost from the queue:Q", "still waiting its turn:Q"]
    assert "sweep_queued" in [cron.name for cron in all_crons()]
