"""Taking many contacts' locks at once for bulk work, one script call per attempt rather than one command
per contact. Contacts whose lock can't be had in time are reported, and skipped by the caller."""

import asyncio
import secrets
import time

import redis.asyncio as aioredis

from upesi.config import get_settings
from upesi.queues.contacts import lock_key
from upesi.queues.redis import script

# SET NX PX for each key with the call's token; returns the (1-based) positions of the keys already held, so
# the reply is empty when every lock was had: one token for all the keys and no per-key reply keep the
# client's work (redis-py packs and parses each argument in Python) from growing with the keys' number
_LOCK = """
local missed = {}
for i, key in ipairs(KEYS) do
  if not redis.call('SET', key, ARGV[2], 'NX', 'PX', ARGV[1]) then missed[#missed + 1] = i end
end
return missed
"""

# the compare-and-delete of upesi.queues.contacts.release_lock, for each key with the call's token
_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""

RETRY_SLEEP = 0.05


async def lock_contacts(
    redis: aioredis.Redis, org_id: int, contact_ids: list[int], wait_seconds: float
) -> tuple[dict[int, str], list[int]]:
    """({contact id: lock token} for the locked, [contact ids skipped]). The locks last CONTACT_LOCK_SECONDS, as
    handle_contact_event's do: that is how long a killed worker's contacts wait before a redone batch has them."""
    locked: dict[int, str] = {}
    remaining = list(contact_ids)
    deadline = time.monotonic() + wait_seconds
    lock = script(redis, _LOCK)
    expiry_ms = int(get_settings().contact_lock_seconds * 1000)
    token = secrets.token_hex(10)  # one for all of this call's locks: unique to this holder all the same
    while remaining:
        missed = await lock(keys=[lock_key(org_id, cid) for cid in remaining], args=[expiry_ms, token])
        skipped = {int(i) - 1 for i in missed}
        still = []
        for i, cid in enumerate(remaining):
            if i in skipped:
                still.append(cid)
            else:
                locked[cid] = token
        remaining = still
        if not remaining or time.monotonic() >= deadline:
            break
        await asyncio.sleep(RETRY_SLEEP)
    return locked, remaining


async def unlock_contacts(redis: aioredis.Redis, org_id: int, tokens: dict[int, str]) -> None:
    """Release the locks still holding our tokens (as release_lock does), one script call per token (one for
    what a lock_contacts call took)."""
    by_token: dict[str, list[int]] = {}
    for cid, token in tokens.items():
        by_token.setdefault(token, []).append(cid)
    release = script(redis, _RELEASE)
    for token, cids in by_token.items():
        await release(keys=[lock_key(org_id, cid) for cid in cids], args=[token])
