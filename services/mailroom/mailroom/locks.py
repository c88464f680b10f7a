"""Taking many contacts' locks at once for bulk work, one script call per attempt rather than one command
per contact. Contacts whose lock can't be had in time are reported, and skipped by the caller."""

import asyncio
import secrets
import time

import redis.asyncio as aioredis

from upesi.queues.contacts import LOCK_EXPIRY_MS, lock_key
from upesi.queues.redis import script

# SET NX PX for each key with its token; returns 1/0 per key
_LOCK = """
local got = {}
for i, key in ipairs(KEYS) do
  got[i] = redis.call('SET', key, ARGV[i + 1], 'NX', 'PX', ARGV[1]) and 1 or 0
end
return got
"""

# the compare-and-delete of upesi.queues.contacts.release_lock, for each key with its token
_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] then redis.call('DEL', key) end
end
return 1
"""

RETRY_SLEEP = 0.05


async def lock_contacts(
    redis: aioredis.Redis, org_id: int, contact_ids: list[int], wait_seconds: float
) -> tuple[dict[int, str], list[int]]:
    """({contact id: lock token} for the locked, [contact ids skipped])."""
    locked: dict[int, str] = {}
    remaining = list(contact_ids)
    deadline = time.monotonic() + wait_seconds
    lock = script(redis, _LOCK)
    while remaining:
        tokens = {cid: secrets.token_hex(10) for cid in remaining}
        results = await lock(
            keys=[lock_key(org_id, cid) for cid in remaining],
            args=[LOCK_EXPIRY_MS, *(tokens[cid] for cid in remaining)],
        )
        still = []
        for cid, ok in zip(remaining, results, strict=True):
            if ok:
                locked[cid] = tokens[cid]
            else:
                still.append(cid)
        remaining = still
        if not remaining or time.monotonic() >= deadline:
            break
        await asyncio.sleep(RETRY_SLEEP)
    return locked, remaining


async def unlock_contacts(redis: aioredis.Redis, org_id: int, tokens: dict[int, str]) -> None:
    """Release the locks still holding our tokens (as release_lock does), in one script call."""
    if not tokens:
        return
    await script(redis, _RELEASE)(keys=[lock_key(org_id, cid) for cid in tokens], args=list(tokens.values()))
