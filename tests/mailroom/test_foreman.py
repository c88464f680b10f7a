import asyncio
from typing import Any

import pytest

from mailroom.foreman import Foreman
from mailroom.tasks import TASKS
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


@pytest.fixture
def recorded() -> Any:
    seen: list[tuple[int, dict]] = []

    async def record(org_id: int, body: dict) -> None:
        if body.get("explode"):
            raise RuntimeError("boom")
        seen.append((org_id, body))

    TASKS["test_record"] = record
    yield seen
    del TASKS["test_record"]


async def test_malformed_and_failing_tasks_are_skipped_and_workers_go_on(
    db: None, recorded: Any, caplog: Any
) -> None:
    redis = get_redis()
    queue = FairQueue(redis, QUEUE_BATCH)
    for raw in [
        "garbage",
        "id|{not json",
        'id|{"type": "test_record"}',
        'id|{"type": "no_such_task", "task": {}}',
    ]:
        await queue.push_raw(5, raw)
    await queue.push_raw("not-an-org", 'id|{"type": "test_record", "task": {}}')
    await queue.push(5, "test_record", {"explode": True})
    await queue.push(5, "test_record", {"n": 1})

    foreman = Foreman(QUEUE_BATCH, workers=2)
    foreman.start()
    for _ in range(100):
        if recorded:
            break
        await asyncio.sleep(0.05)
    await foreman.stop()

    assert recorded == [(5, {"n": 1})]
    assert await queue.size() == 0
    assert await redis.zcard("{tasks:batch}:active") == 0  # every pop was marked done
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("malformed task skipped") == 5
    assert "task failed" in messages
