"""Outgoing messages are written as Q (queued) and pushed to courier after the commit; a push that fails (Redis
down) marks them I, and the requeue cron hands them over once Redis is back."""

import pytest
import redis.exceptions

from mailroom import messages
from mailroom.crons import retry_msgs
from mailroom.outbox import queue_outgoing
from tests.mailroom.test_support_batch import execute, scalars, sent_msgs, workspace
from tests.support import processes
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.queues.redis import close_redis


async def _write(ws: dict, texts: list[str]) -> list:
    async with transaction() as db:
        dests = await messages.destinations(db, ws["org_id"], ws["contact_ids"])
        new = [messages.NewMsg(cid, "", t) for cid, t in zip(ws["contact_ids"], texts, strict=False)]
        return await messages.insert_msgs(db, ws["org_id"], new, dests)


async def test_written_as_queued_and_pushed_without_a_second_write(db: None) -> None:
    ws = await workspace(2)
    outgoing = await _write(ws, ["one", "two"])
    assert await scalars("SELECT status FROM msgs WHERE direction = 'O' ORDER BY text") == ["Q", "Q"]
    await execute("UPDATE msgs SET modified_on = '2020-01-01' WHERE direction = 'O'")
    await queue_outgoing(outgoing)
    assert sorted(m["text"] for m in await sent_msgs()) == ["one", "two"]
    # the push wrote nothing: no marker update of each message
    assert await scalars("SELECT DISTINCT modified_on::date::text FROM msgs WHERE direction = 'O'") == [
        "2020-01-01"
    ]


async def test_failed_push_marks_initializing_and_the_requeue_cron_hands_them_over(
    db: None, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = await workspace(2)
    outgoing = await _write(ws, ["one", "two"])

    await close_redis()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{processes.free_port()}/0")  # nobody listens
    reset_settings()
    with pytest.raises(redis.exceptions.ConnectionError):
        await queue_outgoing(outgoing)
    assert await scalars("SELECT status FROM msgs WHERE direction = 'O' ORDER BY text") == ["I", "I"]

    await close_redis()
    monkeypatch.setenv("REDIS_URL", env["REDIS_URL"])
    reset_settings()
    assert await retry_msgs.requeue_stuck() == 0  # not before STUCK_MSG_SECONDS
    await execute("UPDATE msgs SET modified_on = now() - interval '2 minutes' WHERE direction = 'O'")
    assert await retry_msgs.requeue_stuck() == 2
    assert sorted(m["text"] for m in await sent_msgs()) == ["one", "two"]
    assert await scalars("SELECT status FROM msgs WHERE direction = 'O' ORDER BY text") == ["Q", "Q"]
