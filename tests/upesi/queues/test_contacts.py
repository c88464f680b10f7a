import json

from upesi.queues.contacts import acquire_lock, queue_contact_event, release_lock
from upesi.queues.fair import QUEUE_REALTIME, FairQueue, Task
from upesi.queues.redis import get_redis


async def test_queue_contact_event_appends_and_asks_for_handling(db: None) -> None:
    redis = get_redis()
    await queue_contact_event(redis, 4, 99, "msg_received", {"text": "hi"})
    await queue_contact_event(redis, 4, 99, "msg_received", {"text": "again"})
    items = [json.loads(x) for x in await redis.lrange("c:4:99", 0, -1)]
    assert [i["task"]["text"] for i in items] == ["hi", "again"]
    owner, payload = await FairQueue(redis, QUEUE_REALTIME).pop()  # type: ignore[misc]
    assert owner == "4" and Task.decode(owner, payload).task == {"contact_id": 99}


async def test_lock_is_exclusive_and_released_only_by_holder(db: None) -> None:
    redis = get_redis()
    token = await acquire_lock(redis, 1, 2, wait_seconds=0)
    assert token
    assert await redis.exists("lock:c:1:2")
    assert await acquire_lock(redis, 1, 2, wait_seconds=0.1) is None
    assert not await release_lock(redis, 1, 2, "not-the-token")
    assert await release_lock(redis, 1, 2, token)
    assert await acquire_lock(redis, 1, 2, wait_seconds=0) is not None


async def test_pop_and_peek_returns_the_next_event_and_releases_the_lock_after_the_last(db: None) -> None:
    from upesi.queues.contacts import acquire_lock, events_key, lock_key, pop_and_peek

    redis = get_redis()
    await redis.rpush(events_key(1, 5), "first", "second")
    token = await acquire_lock(redis, 1, 5)
    assert token is not None

    assert await pop_and_peek(redis, 1, 5, token) == "second"
    assert await redis.get(lock_key(1, 5)) == token  # still held: an event is left
    assert await pop_and_peek(redis, 1, 5, token) is None
    assert await redis.get(lock_key(1, 5)) is None
    assert await redis.llen(events_key(1, 5)) == 0
