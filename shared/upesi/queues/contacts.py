"""Per-contact event lists and locks: one contact's events are handled in order, never by two workers at once.

c:{org}:{contact}        LIST of {"type", "task", "queued_on", "error_count"?} JSON items
lock:c:{org}:{contact}   a random token, set NX with an expiry; released only by its holder
"""

import asyncio
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from upesi.queues.redis import script
from upesi.queues.tasks import HandleContactEvent, queue_task

LOCK_EXPIRY_MS = 5 * 60 * 1000

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Pops the handled event; returns the next one, or releases the holder's lock when there is none left, so a
# worker draining a contact's events pays one round trip per event.
_POP_AND_PEEK = """
redis.call('LPOP', KEYS[1])
local next = redis.call('LINDEX', KEYS[1], 0)
if next then return next end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return false
"""


# Takes the contact's lock if free and returns the first event with it, so that starting to drain a contact
# is one round trip: {1, first event} or {1} (nothing queued), {0} when another worker holds the lock.
_LOCK_AND_PEEK = """
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
    local first = redis.call('LINDEX', KEYS[1], 0)
    if first then return {1, first} end
    return {1}
end
return {0}
"""


def events_key(org_id: int, contact_id: int) -> str:
    return f"c:{org_id}:{contact_id}"


def lock_key(org_id: int, contact_id: int) -> str:
    return f"lock:c:{org_id}:{contact_id}"


def event_item(event_type: str, body: dict[str, Any], error_count: int = 0) -> str:
    item: dict[str, Any] = {"type": event_type, "task": body, "queued_on": datetime.now(UTC).isoformat()}
    if error_count:
        item["error_count"] = error_count
    return json.dumps(item, separators=(",", ":"))


async def queue_contact_event(
    redis: aioredis.Redis, org_id: int, contact_id: int, event_type: str, body: dict[str, Any]
) -> None:
    """Append an event to the contact's list and ask a realtime worker to drain it."""
    await redis.rpush(events_key(org_id, contact_id), event_item(event_type, body))
    await queue_task(redis, org_id, HandleContactEvent(contact_id=contact_id), priority=True)


async def queue_contact_events(
    redis: aioredis.Redis, events: list[tuple[int, int, str, dict[str, Any]]]
) -> None:
    """queue_contact_event for many (org_id, contact_id, event_type, body) in one pipeline, in order, so
    each contact's events keep theirs (courier's batched writes hand over a batch's messages this way)."""
    if not events:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for org_id, contact_id, event_type, body in events:
            pipe.rpush(events_key(org_id, contact_id), event_item(event_type, body))
            await queue_task(
                redis, org_id, HandleContactEvent(contact_id=contact_id), priority=True, pipeline=pipe
            )
        await pipe.execute()


async def acquire_lock(
    redis: aioredis.Redis,
    org_id: int,
    contact_id: int,
    wait_seconds: float = 10.0,
    expiry_ms: int = LOCK_EXPIRY_MS,
) -> str | None:
    """The lock's token, or None if it could not be had within wait_seconds."""
    token, _ = await lock_and_peek(redis, org_id, contact_id, wait_seconds, expiry_ms)
    return token


async def lock_and_peek(
    redis: aioredis.Redis,
    org_id: int,
    contact_id: int,
    wait_seconds: float = 10.0,
    expiry_ms: int = LOCK_EXPIRY_MS,
) -> tuple[str | None, str | None]:
    """(the lock's token, the contact's first event or None), or (None, None) if the lock could not be had
    within wait_seconds."""
    token = secrets.token_hex(10)
    deadline = time.monotonic() + wait_seconds
    keys = [events_key(org_id, contact_id), lock_key(org_id, contact_id)]
    while True:
        result = await script(redis, _LOCK_AND_PEEK)(keys=keys, args=[token, expiry_ms])
        if result[0]:
            return token, (result[1] if len(result) > 1 else None)
        if time.monotonic() >= deadline:
            return None, None
        await asyncio.sleep(0.02)


async def release_lock(redis: aioredis.Redis, org_id: int, contact_id: int, token: str) -> bool:
    return bool(await redis.eval(_RELEASE, 1, lock_key(org_id, contact_id), token))


async def pop_and_peek(redis: aioredis.Redis, org_id: int, contact_id: int, token: str) -> str | None:
    """Remove the event just handled and return the next; with none left, the lock is released too."""
    return await script(redis, _POP_AND_PEEK)(
        keys=[events_key(org_id, contact_id), lock_key(org_id, contact_id)], args=[token]
    )
