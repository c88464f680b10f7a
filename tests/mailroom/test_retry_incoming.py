"""Issue #22 point 1: an incoming message courier stored but could not hand to mailroom (Redis was down)
stayed pending for good. The retry_incoming cron hands over messages pending for more than five minutes,
once each per interval, and mailroom then handles them."""

from datetime import timedelta

from mailroom.crons import all_crons, retry_msgs
from tests.mailroom.test_support_batch import execute, run_tasks, scalars, workspace


async def _incoming(ws: dict, contact_id: int, text: str, status: str, age: timedelta) -> None:
    await execute(
        """
        INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status, msg_type,
                          created_on, modified_on)
        SELECT gen_random_uuid(), :o, :ch, :c, u.id, :t, 'I', :st, 'T', now() - CAST(:age AS interval),
               now() - CAST(:age AS interval)
        FROM contact_urns u WHERE u.contact_id = :c
        """,
        o=ws["org_id"], ch=ws["channel_id"], c=contact_id, t=text, st=status, age=age,
    )  # fmt: skip


async def test_pending_incoming_messages_are_handed_to_mailroom_again(db: None) -> None:
    ws = await workspace(3)
    c = ws["contact_ids"]
    await _incoming(ws, c[0], "lost during the outage", "P", timedelta(minutes=48))
    await _incoming(ws, c[1], "just arrived", "P", timedelta(seconds=10))
    await _incoming(ws, c[2], "already handled", "H", timedelta(minutes=48))

    assert await retry_msgs.retry_incoming() == 1
    assert await retry_msgs.retry_incoming() == 0  # not again within the interval
    await run_tasks()
    statuses = dict(zip(await scalars("SELECT text FROM msgs WHERE direction = 'I' ORDER BY text"),
                        await scalars("SELECT status FROM msgs WHERE direction = 'I' ORDER BY text"), strict=True))  # fmt: skip
    assert statuses == {"already handled": "H", "just arrived": "P", "lost during the outage": "H"}
    assert "retry_incoming" in [cron.name for cron in all_crons()]
