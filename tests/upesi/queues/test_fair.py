import json

from upesi.queues.fair import QUEUE_BATCH, FairQueue, Task
from upesi.queues.redis import get_redis


async def test_pop_alternates_between_owners_by_active_count(db: None) -> None:
    q = FairQueue(get_redis(), QUEUE_BATCH)
    for i in range(5):
        await q.push(1, "send_broadcast_batch", {"n": i})
    await q.push(2, "handle_contact_event", {"contact_id": 9})

    owner_a, _ = await q.pop()  # type: ignore[misc]
    owner_b, _ = await q.pop()  # type: ignore[misc]
    # with one of owner 1's tasks in flight, owner 2's single task goes next
    assert {owner_a, owner_b} == {"1", "2"}
    assert await q.size() == 4


async def test_high_priority_first_within_owner_and_keys_have_reference_shape(db: None) -> None:
    redis = get_redis()
    q = FairQueue(redis, "tasks:realtime")
    await q.push(7, "low", {"n": 1})
    await q.push(7, "high", {"n": 2}, priority=True)
    assert await redis.llen("{tasks:realtime}:o:7/1") == 1
    assert await redis.llen("{tasks:realtime}:o:7/0") == 1
    assert await redis.zscore("{tasks:realtime}:queued", "7") == 2

    owner, payload = await q.pop()  # type: ignore[misc]
    task = Task.decode(owner, payload)
    assert task.type == "high" and task.task == {"n": 2}
    assert await redis.zscore("{tasks:realtime}:active", "7") == 1
    await q.done(owner)
    assert await redis.zscore("{tasks:realtime}:active", "7") is None


async def test_owner_limit_and_pause(db: None) -> None:
    q = FairQueue(get_redis(), QUEUE_BATCH, max_active_per_owner=1)
    await q.push(1, "t", {})
    await q.push(1, "t", {})
    assert await q.pop() is not None
    assert await q.pop() is None  # owner 1 is at its limit
    await q.done("1")
    await q.pause(1)
    assert await q.pop() is None
    await q.resume(1)
    assert await q.pop() is not None


def test_task_decode_rejects_malformed() -> None:
    for bad in ["no-separator", "id|not json", "id|[]", 'id|{"type": 1, "task": {}}', 'id|{"type": "x"}']:
        try:
            Task.decode("1", bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")
    task = Task.decode("3", 'abc|{"type":"x","task":{"a":1},"queued_on":"t","error_count":2}')
    assert (task.id, task.type, task.task, task.error_count, task.owner) == ("abc", "x", {"a": 1}, 2, "3")
    assert json.loads(task.encode().split("|", 1)[1])["error_count"] == 2


async def test_expired_lease_requeues_task_at_head_and_done_after_reap_is_harmless(db: None) -> None:
    redis = get_redis()
    q = FairQueue(redis, QUEUE_BATCH, lease_seconds=0.2)
    await q.push(1, "first", {})
    await q.push(1, "second", {})
    owner, payload = await q.pop()  # type: ignore[misc]
    assert Task.decode(owner, payload).type == "first"
    assert await q.reap() == 0  # lease still running

    import asyncio

    await asyncio.sleep(0.3)  # the worker "died": nobody extends the lease
    assert await q.reap() == 1
    assert await redis.zscore("{tasks:batch}:active", "1") is None
    again = await q.pop()
    assert again is not None and again[1] == payload  # redelivered before "second"
    await q.done(owner, payload)  # the late done of the dead worker's pop is a no-op...
    await q.done(again[0], again[1])  # ...and the real one releases the slot once
    assert await redis.zscore("{tasks:batch}:active", "1") is None


async def test_extend_keeps_a_working_task(db: None) -> None:
    import asyncio

    q = FairQueue(get_redis(), QUEUE_BATCH, lease_seconds=0.3)
    await q.push(1, "long", {})
    _, payload = await q.pop()  # type: ignore[misc]
    for _ in range(3):
        await asyncio.sleep(0.15)
        await q.extend([payload])
    assert await q.reap() == 0


async def test_pop_releases_the_finished_task_first_in_the_same_call(db: None) -> None:
    redis = get_redis()
    q = FairQueue(redis, QUEUE_BATCH, max_active_per_owner=1)
    await q.push(1, "first", {})
    await q.push(1, "second", {})
    first = await q.pop()
    assert first is not None and await q.pop() is None  # owner 1 is at its limit
    # the finished task's lease and slot go before the pop chooses, so owner 1's next task can be taken
    second = await q.pop(done=first)
    assert second is not None and Task.decode(*second).type == "second"
    assert await redis.hkeys("{tasks:batch}:inflight") == [second[1]]
    assert await redis.zrange("{tasks:batch}:leases", 0, -1) == [second[1]]
    assert await q.pop(done=first) is None  # a release made twice changes nothing: owner 1 still at its limit
    assert await q.pop(done=second) is None  # nothing left
    assert await redis.zscore("{tasks:batch}:active", "1") is None
    assert await redis.hlen("{tasks:batch}:inflight") == 0


async def test_wait_for_pushes_counts_pushes_up_to_most(db: None) -> None:
    q = FairQueue(get_redis(), QUEUE_BATCH)
    assert await q.wait_for_pushes(timeout=0.1, most=4) == 0
    for i in range(5):
        await q.push(1, "t", {"n": i})
    assert await q.wait_for_pushes(timeout=1, most=4) == 4  # one wake covers up to `most` pushes
    assert await q.wait_for_pushes(timeout=1, most=4) == 1
    assert await q.wait_for_pushes(timeout=0.1, most=4) == 0
