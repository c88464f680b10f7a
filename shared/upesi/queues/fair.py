"""A fair task queue across owners (workspaces), in the key layout of the reference's FairV2:

    {tasks:NAME}:queued      ZSET owner -> number of tasks queued
    {tasks:NAME}:active      ZSET owner -> number of tasks in flight
    {tasks:NAME}:paused      SET of paused owners
    {tasks:NAME}:o:OWNER/0   LIST of low-priority payloads, /1 high priority
    {tasks:NAME}:signal      LIST with one item per push (capped), which idle workers block on (ours)

A pop picks the owner with the fewest tasks in flight (below the per-owner limit), so one workspace's
100,000-contact broadcast never starves another's single reply. Payloads are `<task uuid>|<json>`.

Unlike the reference (where a crashed worker's task is lost), every popped task is leased:

    {tasks:NAME}:inflight    HASH payload -> "<owner>\n<payload>"
    {tasks:NAME}:leases      ZSET payload -> lease expiry (epoch seconds)

A worker extends its leases while it works and releases them with done(); a lease that runs out (the
worker was killed) puts the task back at the head of its owner's high-priority list. Delivery is therefore
at least once, and task handlers are written to be idempotent.
"""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import redis.asyncio as aioredis

from upesi.queues.redis import script

QUEUE_REALTIME = "tasks:realtime"
QUEUE_BATCH = "tasks:batch"
QUEUE_THROTTLED = "tasks:throttled"

_PUSH = """
local base, owner, priority, payload = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
redis.call('RPUSH', base .. ':o:' .. owner .. '/' .. priority, payload)
local n = redis.call('LLEN', base .. ':o:' .. owner .. '/0') + redis.call('LLEN', base .. ':o:' .. owner .. '/1')
redis.call('ZADD', base .. ':queued', n, owner)
redis.call('RPUSH', base .. ':signal', '1')
redis.call('LTRIM', base .. ':signal', -1000, -1)
return n
"""

# Releases a task's lease and its owner's active slot, once: a task whose lease already ran out was requeued
# and its slot given back by the reaper. An empty id releases the slot alone.
_RELEASE = """
local function release(base, owner, id)
  if id ~= '' then
    redis.call('ZREM', base .. ':leases', id)
    if redis.call('HDEL', base .. ':inflight', id) == 0 then return -1 end
  end
  local active = tonumber(redis.call('ZINCRBY', base .. ':active', -1, owner))
  if active <= 0 then redis.call('ZREM', base .. ':active', owner) end
  return active
end
"""

# Releases the task the worker just finished, if any (ARGV[3], ARGV[4]: its owner and payload), then chooses
# the least-busy unpaused owner under the limit, takes its oldest high-priority task (else low), counts it
# active and recomputes the owner's queued count from the lists (self-correcting).
_POP = (
    _RELEASE
    + """
local base, limit, lease_until = KEYS[1], tonumber(ARGV[1]), ARGV[2]
if ARGV[3] then release(base, ARGV[3], ARGV[4]) end
local owners = redis.call('ZRANGE', base .. ':queued', 0, -1)
local best, best_active = nil, nil
for _, owner in ipairs(owners) do
  if redis.call('SISMEMBER', base .. ':paused', owner) == 0 then
    local active = tonumber(redis.call('ZSCORE', base .. ':active', owner) or '0')
    if (limit <= 0 or active < limit) and (best == nil or active < best_active) then
      best, best_active = owner, active
    end
  end
end
if best == nil then return nil end
local payload = redis.call('LPOP', base .. ':o:' .. best .. '/1')
if not payload then payload = redis.call('LPOP', base .. ':o:' .. best .. '/0') end
local n = redis.call('LLEN', base .. ':o:' .. best .. '/0') + redis.call('LLEN', base .. ':o:' .. best .. '/1')
if n > 0 then redis.call('ZADD', base .. ':queued', n, best) else redis.call('ZREM', base .. ':queued', best) end
if not payload then return nil end
redis.call('ZINCRBY', base .. ':active', 1, best)
local id = payload
redis.call('HSET', base .. ':inflight', id, best .. '\\n' .. payload)
redis.call('ZADD', base .. ':leases', lease_until, id)
return {best, payload}
"""
)

_DONE = _RELEASE + "return release(KEYS[1], ARGV[1], ARGV[2])"

_EXTEND = """
local base, until_ = KEYS[1], ARGV[1]
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1] .. ':leases', 'XX', 'CH', until_, ARGV[i]) end
return n
"""

# Puts tasks whose lease ran out back at the head of their owner's high-priority list.
_REAP = """
local base, now = KEYS[1], ARGV[1]
local expired = redis.call('ZRANGEBYSCORE', base .. ':leases', '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  redis.call('ZREM', base .. ':leases', id)
  local entry = redis.call('HGET', base .. ':inflight', id)
  redis.call('HDEL', base .. ':inflight', id)
  if entry then
    local sep = string.find(entry, '\\n', 1, true)
    local owner, payload = string.sub(entry, 1, sep - 1), string.sub(entry, sep + 1)
    redis.call('LPUSH', base .. ':o:' .. owner .. '/1', payload)
    local n = redis.call('LLEN', base .. ':o:' .. owner .. '/0') + redis.call('LLEN', base .. ':o:' .. owner .. '/1')
    redis.call('ZADD', base .. ':queued', n, owner)
    local active = tonumber(redis.call('ZINCRBY', base .. ':active', -1, owner))
    if active <= 0 then redis.call('ZREM', base .. ':active', owner) end
  end
end
return #expired
"""


@dataclass
class Task:
    """A task as it travels: its type, its body, and when and how often it was tried."""

    type: str
    task: dict[str, Any]
    owner: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    queued_on: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    error_count: int = 0

    def encode(self) -> str:
        body: dict[str, Any] = {"type": self.type, "task": self.task, "queued_on": self.queued_on}
        if self.error_count:
            body["error_count"] = self.error_count
        return f"{self.id}|{json.dumps(body, separators=(',', ':'))}"

    @classmethod
    def decode(cls, owner: str, payload: str) -> "Task":
        """Raises ValueError on a payload that is not `<id>|<json object with type and task>`."""
        task_id, sep, raw = payload.partition("|")
        if not sep:
            raise ValueError("task payload has no '|' separator")
        body = json.loads(raw)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("type"), str)
            or not isinstance(body.get("task"), dict)
        ):
            raise ValueError("task payload must be an object with a string 'type' and an object 'task'")
        return cls(
            type=body["type"],
            task=body["task"],
            owner=owner,
            id=task_id,
            queued_on=body.get("queued_on", ""),
            error_count=int(body.get("error_count", 0)),
        )


class FairQueue:
    def __init__(
        self, redis: aioredis.Redis, name: str, max_active_per_owner: int = 0, lease_seconds: float = 60.0
    ) -> None:
        self.redis = redis
        self.name = name
        self.base = "{" + name + "}"
        self.max_active_per_owner = max_active_per_owner
        self.lease_seconds = lease_seconds
        self._push = script(redis, _PUSH)
        self._pop = script(redis, _POP)
        self._done = script(redis, _DONE)
        self._extend = script(redis, _EXTEND)
        self._reap = script(redis, _REAP)

    async def push(
        self,
        owner: int | str,
        task_type: str,
        body: dict[str, Any],
        priority: bool = False,
        client: aioredis.client.Pipeline | None = None,
    ) -> Task:
        """Queue a task; with `client` (a pipeline), the push is only added to it."""
        task = Task(type=task_type, task=body, owner=str(owner))
        await self._push(
            keys=[self.base], args=[str(owner), "1" if priority else "0", task.encode()], client=client
        )
        return task

    async def push_many(
        self, owner: int | str, task_type: str, bodies: list[dict[str, Any]], priority: bool = False
    ) -> None:
        """push() for many tasks of one owner in one pipeline (a bulk job's batches)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for body in bodies:
                task = Task(type=task_type, task=body, owner=str(owner))
                await self._push(
                    keys=[self.base], args=[str(owner), "1" if priority else "0", task.encode()], client=pipe
                )
            await pipe.execute()

    async def push_raw(self, owner: int | str, payload: str, priority: bool = False) -> None:
        await self._push(keys=[self.base], args=[str(owner), "1" if priority else "0", payload])

    async def pop(self, done: tuple[str, str] | None = None) -> tuple[str, str] | None:
        """(owner, raw payload) of the next task, or None if nothing can be taken now. The caller must
        call done(owner, payload) when finished, whether the payload decoded or not, or pass that
        (owner, payload) as `done` to its next pop, which releases it first in the same round trip (a
        worker's loop: one call per task instead of two)."""
        lease_until = time.time() + self.lease_seconds
        args: list[str | int] = [self.max_active_per_owner, f"{lease_until:.3f}"]
        if done is not None:
            args += [done[0], done[1]]
        result = await self._pop(keys=[self.base], args=args)
        if not result:
            return None
        return result[0], result[1]

    async def done(self, owner: str, payload: str = "") -> None:
        await self._done(keys=[self.base], args=[owner, payload])

    async def extend(self, payloads: list[str]) -> None:
        """Keep the leases of tasks still being worked on."""
        if payloads:
            until = time.time() + self.lease_seconds
            await self._extend(keys=[self.base], args=[f"{until:.3f}", *payloads])

    async def reap(self) -> int:
        """Requeue tasks whose worker stopped extending their lease; returns how many."""
        return int(await self._reap(keys=[self.base], args=[f"{time.time():.3f}"]))

    async def wait_for_pushes(self, timeout: float, most: int) -> int:
        """Block until something is pushed (or timeout seconds pass); returns how many pushes were
        signalled, up to `most`. Each signal is taken by one waiter, so a push wakes one idle worker
        rather than every worker of every process."""
        popped = await self.redis.blmpop(timeout, 1, f"{self.base}:signal", direction="LEFT", count=most)
        return len(popped[1]) if popped else 0

    async def pause(self, owner: int | str) -> None:
        await self.redis.sadd(f"{self.base}:paused", str(owner))

    async def resume(self, owner: int | str) -> None:
        await self.redis.srem(f"{self.base}:paused", str(owner))

    async def size(self) -> int:
        """Tasks queued across all owners."""
        scores = cast(
            list[tuple[str, float]], await self.redis.zrange(f"{self.base}:queued", 0, -1, withscores=True)
        )
        return int(sum(score for _, score in scores))

    async def paused_owners(self) -> set[str]:
        return cast(set[str], await self.redis.smembers(f"{self.base}:paused"))

    async def queued_owners(self) -> set[str]:
        """Owners with tasks waiting (paused or not)."""
        return set(cast(list[str], await self.redis.zrange(f"{self.base}:queued", 0, -1)))
