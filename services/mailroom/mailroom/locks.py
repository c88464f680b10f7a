"""Taking many contacts' locks at once for bulk work, in a few Redis round trips rather than one per
contact. Contacts whose lock can't be had in time are reported, and skipped by the caller."""

import asyncio
import secrets
import time

import redis.asyncio as aioredis

from upesi.queues.contacts import LOCK_EXPIRY_MS, lock_key

# the same compare-and-delete as upesi.queues.contacts.release_lock
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

RETRY_SLEEP = 0.05


async def lock_contacts(
    redis: aioredis.Redis, org_id: int, contact_ids: list[int], wait_seconds: float
) -> tuple[dict[int, str], list[int]]:
    """({contact id: lock token} for the locked, [contact ids skipped])."""
    locked: dict[int, str] = {}
    remaining = list(contact_ids)
    deadline = time.monotonic() + wait_seconds
    while remaining:
        tokens = {cid: secrets.token_hex(10) for cid in remaining}
        async with redis.pipeline(transaction=False) as pipe:
            for cid in remaining:
                pipe.set(lock_key(org_id, cid), tokens[cid], nx=True, px=LOCK_EXPIRY_MS)
            results = await pipe.execute()
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
    """Release the locks still holding our tokens (as release_lock does), in one pipeline."""
    if not tokens:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for cid, token in tokens.items():
            pipe.eval(_RELEASE, 1, lock_key(org_id, cid), token)
        await pipe.execute()
