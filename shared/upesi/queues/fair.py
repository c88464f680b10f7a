"""A fair task queue across owners (workspaces), in the key layout of the reference's FairV2:

    {tasks:NAME}:queued      ZSET owner -> number of tasks queued
    {tasks:NAME}:active      ZSET owner -> number of tasks in flight
    {tasks:NAME}:paused      SET of paused owners
    {tasks:NAME}:o:OWNER/0   LIST of low-priority payloads, /1 high priority

A pop picks the owner with the fewest tasks in flight (below the per-owner limit), so one workspace's
100,000-contact broadcast never starves another's single reply. Payloads are `<task uuid>|<json>`.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

QUEUE_REALTIME = "tasks:realtime"
QUEUE_BATCH = "tasks:batch"
QUEUE_THROTTLED = "tasks:throttled"

_PUSH = """
local base, owner, priority, payload = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
redis.call('RPUSH', base .. ':o:' .. owner .. '/' .. priority, payload)
local n = redis.call('LLEN', base .. ':o:' .. owner .. '/0') + redis.call('LLEN', base .. ':o:' .. owner .. '/1')
redis.call('ZADD', base .. ':queued', n, owner)
return n
"""

# Chooses the least-busy unpaused owner under the limit, takes its oldest high-priority task (else
# low), counts it active and recomputes the owner's queued count from the lists (self-correcting).
_POP = """
local base, limit = KEYS[1], tonumber(ARGV[1])
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
return {best, payload}
"""

_DONE = """
local base, owner = KEYS[1], ARGV[1]
local active = tonumber(redis.call('ZINCRBY', base .. ':active', -1, owner))
if active <= 0 then redis.call('ZREM', base .. ':active', owner) end
return active
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
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not isinstance(body.get("task"), dict):
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
    def __init__(self, redis: aioredis.Redis, name: str, max_active_per_owner: int = 0) -> None:
        self.redis = redis
        self.name = name
        self.base = "{" + name + "}"
        self.max_active_per_owner = max_active_per_owner
        self._push = redis.register_script(_PUSH)
        self._pop = redis.register_script(_POP)
        self._done = redis.register_script(_DONE)

    async def push(self, owner: int | str, task_type: str, body: dict[str, Any], priority: bool = False) -> Task:
        task = Task(type=task_type, task=body, owner=str(owner))
        await self._push(keys=[self.base], args=[str(owner), "1" if priority else "0", task.encode()])
        return task

    async def push_raw(self, owner: int | str, payload: str, priority: bool = False) -> None:
        await self._push(keys=[self.base], args=[str(owner), "1" if priority else "0", payload])

    async def pop(self) -> tuple[str, str] | None:
        """(owner, raw payload) of the next task, or None if nothing can be taken now. The caller must
        call done(owner) when finished, whether the payload decoded or not."""
        result = await self._pop(keys=[self.base], args=[self.max_active_per_owner])
        if not result:
            return None
        return result[0], result[1]

    async def done(self, owner: str) -> None:
        await self._done(keys=[self.base], args=[owner])

    async def pause(self, owner: int | str) -> None:
        await self.redis.sadd(f"{self.base}:paused", str(owner))

    async def resume(self, owner: int | str) -> None:
        await self.redis.srem(f"{self.base}:paused", str(owner))

    async def size(self) -> int:
        """Tasks queued across all owners."""
        scores = await self.redis.zrange(f"{self.base}:queued", 0, -1, withscores=True)
        return int(sum(score for _, score in scores))
