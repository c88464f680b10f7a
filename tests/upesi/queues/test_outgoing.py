import asyncio
import json
import time

from upesi.queues.outgoing import OutgoingQueues, SendGuard, queue_name, sending_key
from upesi.queues.redis import get_redis


async def test_tps_limit_throttles_within_a_second_and_dethrottle_restores(db: None) -> None:
    redis = get_redis()
    q = OutgoingQueues(redis)
    for i in range(5):
        await q.push("chan-a", 2, [{"uuid": f"m{i}", "text": str(i)}], high_priority=False)

    # wait for the start of a fresh second so all pops land in one TPS window
    await asyncio.sleep(1 - (time.time() % 1) + 0.01)
    sent = []
    for _ in range(6):
        item = await q.pop()
        if isinstance(item, tuple):
            sent.append(item[1]["uuid"])
            await q.complete(item[0])
    assert sent == ["m0", "m1"]
    assert await redis.sismember("msgs:throttled", queue_name("chan-a", 2))

    await asyncio.sleep(1.05)
    await q.dethrottle()
    item = await q.pop()
    assert isinstance(item, tuple) and item[1]["uuid"] == "m2"


async def test_high_priority_before_bulk_and_batches_keep_order(db: None) -> None:
    q = OutgoingQueues(get_redis())
    await q.push("chan-b", 0, [{"uuid": "bulk"}], high_priority=False)
    await q.push("chan-b", 0, [{"uuid": "r1"}, {"uuid": "r2"}], high_priority=True)
    first = await q.pop()
    assert isinstance(first, tuple) and first[1]["uuid"] == "r1"
    await q.complete(first[0])
    second = await q.pop()
    # r2 was re-queued 3 s in the future so the bulk item goes meanwhile; r2 still follows r1
    assert isinstance(second, tuple) and second[1]["uuid"] == "bulk"


async def test_fair_across_channels(db: None) -> None:
    q = OutgoingQueues(get_redis())
    for i in range(3):
        await q.push("big", 0, [{"uuid": f"big{i}"}], high_priority=False)
    await q.push("small", 0, [{"uuid": "small0"}], high_priority=False)
    a = await q.pop()
    b = await q.pop()  # the first is in flight: the other channel has fewer workers
    assert isinstance(a, tuple) and isinstance(b, tuple)
    assert {a[0], b[0]} == {queue_name("big", 0), queue_name("small", 0)}


async def test_push_many_queues_every_item_and_survives_a_flushed_script_cache(db: None) -> None:
    redis = get_redis()
    q = OutgoingQueues(redis)
    await q.push_many([("chan-c", 0, [{"uuid": f"c{i}"}], False) for i in range(3)])
    await (
        redis.script_flush()
    )  # as after a Redis restart: EVALSHA meets NOSCRIPT and the script is loaded again
    await q.push_many([("chan-c", 0, [{"uuid": f"d{i}"}], False) for i in range(3)])
    items = await redis.zrange(queue_name("chan-c", 0) + "/0", 0, -1)
    assert sorted(m["uuid"] for item in items for m in json.loads(item)) == [
        "c0",
        "c1",
        "c2",
        "d0",
        "d1",
        "d2",
    ]
    assert await redis.zscore("msgs:active", queue_name("chan-c", 0)) is not None


GUARD = SendGuard(("seen-msgs:1", "seen-msgs:0"), ("sent-msgs:1", "sent-msgs:0"), 60)


async def test_pop_many_takes_fairly_with_the_guard_and_complete_many_finishes(db: None) -> None:
    redis = get_redis()
    q = OutgoingQueues(redis)
    await q.push_many([(c, 0, [{"uuid": f"{c}-{i}", "urn": "tel:+1", "channel_uuid": c}], False)
                       for c in ("chan-e", "chan-f") for i in range(3)])  # fmt: skip
    await redis.hset("seen-msgs:1", "chan-e|tel:+1", "earlier|fp")  # a send clears the URN's recent record
    await redis.sadd("sent-msgs:0", "chan-e-1")  # went out already
    await redis.set(sending_key("chan-f-1"), "1")  # another worker (or a dead courier) is sending it

    popped = await q.pop_many(10, GUARD)
    verdicts = {p[1]["uuid"]: p[3] for p in popped}
    assert verdicts == {"chan-e-0": "send", "chan-e-1": "sent", "chan-e-2": "send",
                        "chan-f-0": "send", "chan-f-1": "sending", "chan-f-2": "send"}  # fmt: skip
    assert [p[0] for p in popped[:2]] != [popped[0][0]] * 2  # alternates between the channels
    assert await redis.hget("seen-msgs:1", "chan-e|tel:+1") is None
    assert await redis.exists(sending_key("chan-e-0")) == 1
    assert await q.pop_many(10, GUARD) == []

    await q.complete_many([(p[0], p[1]["uuid"], "sent-msgs:1", 60) for p in popped if p[3] == "send"])
    assert await redis.smembers("sent-msgs:1") == {"chan-e-0", "chan-e-2", "chan-f-0", "chan-f-2"}
    assert (
        await redis.exists(*(sending_key(u) for u in ("chan-e-0", "chan-e-2", "chan-f-0", "chan-f-2"))) == 0
    )
    assert await redis.exists(sending_key("chan-f-1")) == 1  # not ours: left for mailroom's sweep
    await q.complete_many([(p[0], "", "", 0) for p in popped if p[3] != "send"])
    assert await redis.zcard("msgs:active") == 0  # every send done, the queues are out of rotation
