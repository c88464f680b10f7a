from mailroom.locks import lock_contacts, unlock_contacts
from upesi.queues.contacts import lock_key
from upesi.queues.redis import get_redis


async def test_bulk_locks_skip_a_contact_held_elsewhere_and_release_only_their_own(db: None) -> None:
    redis = get_redis()
    await redis.set(lock_key(1, 12), "someone-else")

    tokens, skipped = await lock_contacts(redis, 1, [11, 12, 13], wait_seconds=0.1)

    assert sorted(tokens) == [11, 13] and skipped == [12]
    assert await redis.get(lock_key(1, 11)) == tokens[11]
    assert await redis.pttl(lock_key(1, 13)) > 0  # locks expire if their holder dies
    await redis.set(lock_key(1, 13), "taken-over-after-expiry")
    await unlock_contacts(redis, 1, tokens)
    assert await redis.get(lock_key(1, 11)) is None
    assert await redis.get(lock_key(1, 12)) == "someone-else"
    assert await redis.get(lock_key(1, 13)) == "taken-over-after-expiry"
