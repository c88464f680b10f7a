"""Incoming de-duplication in Redis, as the reference: a message with an external id is a duplicate of
one seen on the channel from the same URN within a day; one without is a duplicate of the same text and
attachments from the same URN within a few seconds (providers retry when we answer slowly). Keys are
interval hashes: each interval's hash expires after two intervals, and lookups check the current and the
previous one."""

import hashlib
import time

import redis.asyncio as aioredis

EXTERNAL_INTERVAL = 24 * 3600
RECENT_INTERVAL = 2


def _keys(prefix: str, interval: int) -> tuple[str, str]:
    now = int(time.time()) // interval
    return f"{prefix}:{now}", f"{prefix}:{now - 1}"


def _fingerprint(text: str, attachments: list[str]) -> str:
    return hashlib.sha1("|".join([text, *attachments]).encode()).hexdigest()


async def claim_external_id(
    redis: aioredis.Redis, channel_uuid: str, urn: str, external_id: str, msg_uuid: str
) -> str | None:
    """Record this message for its external id; returns the earlier message's uuid if it is a duplicate."""
    field = f"{channel_uuid}|{urn}|{external_id}"
    current, previous = _keys("seen-external-ids", EXTERNAL_INTERVAL)
    earlier = await redis.hget(previous, field)
    if earlier:
        return str(earlier)
    pipe = redis.pipeline()
    pipe.hsetnx(current, field, msg_uuid)
    pipe.hget(current, field)
    pipe.expire(current, EXTERNAL_INTERVAL * 2)
    _, holder, _ = await pipe.execute()
    return holder if holder and holder != msg_uuid else None


async def claim_recent(
    redis: aioredis.Redis, channel_uuid: str, urn: str, text: str, attachments: list[str], msg_uuid: str
) -> str | None:
    """Record this message as the URN's latest; returns the earlier uuid if the same content came just now."""
    field = f"{channel_uuid}|{urn}"
    fingerprint = _fingerprint(text, attachments)
    current, previous = _keys("seen-msgs", RECENT_INTERVAL)
    pipe = redis.pipeline(transaction=False)
    pipe.hget(current, field)
    pipe.hget(previous, field)
    for value in await pipe.execute():
        if value:
            earlier, _, seen = value.partition("|")
            if seen == fingerprint:
                return earlier
    pipe = redis.pipeline()
    pipe.hset(current, field, f"{msg_uuid}|{fingerprint}")
    pipe.expire(current, RECENT_INTERVAL * 2)
    await pipe.execute()
    return None


async def clear_recent(redis: aioredis.Redis, channel_uuid: str, urn: str) -> None:
    """A message was just sent to this URN: a repeat of their last message is now a fresh answer."""
    field = f"{channel_uuid}|{urn}"
    current, previous = _keys("seen-msgs", RECENT_INTERVAL)
    await redis.hdel(current, field)
    await redis.hdel(previous, field)


SENT_INTERVAL = 3600


async def was_sent(redis: aioredis.Redis, msg_uuid: str) -> bool:
    current, previous = _keys("sent-msgs", SENT_INTERVAL)
    pipe = redis.pipeline()
    pipe.sismember(current, msg_uuid)
    pipe.sismember(previous, msg_uuid)
    a, b = await pipe.execute()
    return bool(a or b)


async def mark_sent(redis: aioredis.Redis, msg_uuid: str) -> None:
    current, _ = _keys("sent-msgs", SENT_INTERVAL)
    pipe = redis.pipeline()
    pipe.sadd(current, msg_uuid)
    pipe.expire(current, SENT_INTERVAL * 2)
    await pipe.execute()
