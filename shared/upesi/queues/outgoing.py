"""Courier's per-channel outgoing queues, filled by mailroom and drained by courier's senders:

    msgs:{channel-uuid}|{tps}/1   ZSET of JSON arrays of messages, high priority (replies), scored by epoch
    msgs:{channel-uuid}|{tps}/0   the same for bulk sends
    msgs:active                   ZSET of queues with work, scored by the workers sending from each
    msgs:throttled, msgs:future   queues out of their TPS budget this second, or holding only later items
    {queue}:tps:{epoch second}    sends booked for that second (expires after 10 s)
    msgs:signal                   LIST with one item per push (capped), which idle senders block on

A pop takes the queue with the fewest workers, so channels share senders fairly, and books the message's
send into a second with TPS budget left: the current one, or the next when less than BOOKING_GUARD of the
current one is left. The sender starts the send inside its booked second and at least BOOKING_GUARD before
it ends (rebook() when it is late), so a provider counting arrivals per second sees at most the TPS as long as
a request reaches it within BOOKING_GUARD.
"""

import json
import time
from typing import Any, cast

import orjson
import redis.asyncio as aioredis

from upesi.queues.redis import script

ACTIVE = "msgs:active"
THROTTLED = "msgs:throttled"
FUTURE = "msgs:future"
SIGNAL = "msgs:signal"
PUSH_CHUNK = 500
BOOKING_GUARD = 0.2  # seconds: sends of a second start before its last 200 ms, so they arrive within it

# Adds items to one queue at one priority (a broadcast batch is one command per channel), then puts the
# queue in rotation, or among the throttled if it has used its TPS this second.
_PUSH_MANY = """
local queue, priority, score, tps = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 5, #ARGV do redis.call('ZADD', queue .. '/' .. priority, score, ARGV[i]) end
local sent = tonumber(redis.call('GET', queue .. ':tps:' .. ARGV[4]) or '0')
if tps > 0 and sent >= tps then
  redis.call('SADD', 'msgs:throttled', queue)
else
  redis.call('ZINCRBY', 'msgs:active', 0, queue)
end
redis.call('RPUSH', 'msgs:signal', '1')
redis.call('LTRIM', 'msgs:signal', -1000, -1)
return 1
"""

# The second a send is booked in: the current one, or the next when less than the guard is left of it.
_BOOKING_SECOND = """
local function booking_second(now, guard)
  local second = math.floor(now)
  if now - second >= 1 - guard then second = second + 1 end
  return second
end
"""

_POP = (
    _BOOKING_SECOND
    + """
local now, guard = tonumber(ARGV[1]), tonumber(ARGV[2])
local second = booking_second(now, guard)
local queues = redis.call('ZRANGE', 'msgs:active', 0, 0)
if #queues == 0 then return nil end
local queue = queues[1]
local tps = tonumber(string.match(queue, '|(%d+)$') or '0')
local tps_key = queue .. ':tps:' .. second
if tps > 0 and tonumber(redis.call('GET', tps_key) or '0') >= tps then
  redis.call('ZREM', 'msgs:active', queue)
  redis.call('SADD', 'msgs:throttled', queue)
  return 'retry'
end
local item, key = nil, nil
for _, p in ipairs({'/1', '/0'}) do
  local head = redis.call('ZRANGE', queue .. p, 0, 0, 'WITHSCORES')
  if #head > 0 and tonumber(head[2]) <= now then item, key = head[1], queue .. p break end
end
if item == nil then
  redis.call('ZREM', 'msgs:active', queue)
  if redis.call('ZCARD', queue .. '/1') + redis.call('ZCARD', queue .. '/0') > 0 then
    redis.call('SADD', 'msgs:future', queue)
  end
  return 'retry'
end
redis.call('ZREM', key, item)
local msgs = cjson.decode(item)
local first = msgs[1]
if #msgs > 1 then
  table.remove(msgs, 1)
  redis.call('ZADD', queue .. '/1', now + 3, cjson.encode(msgs))
  redis.call('SADD', 'msgs:future', queue)
end
local cost = tonumber(first['tps_cost'] or 1)
if cost < 1 then cost = 1 end
redis.call('INCRBY', tps_key, cost)
redis.call('EXPIRE', tps_key, 10)
redis.call('ZINCRBY', 'msgs:active', 1, queue)
return {queue, cjson.encode(first), second}
"""
)

# Books a late send (its worker missed the guard of its booked second) into the first second from now with
# budget left; the slot first booked stays counted, so a provider never sees more than the TPS.
_REBOOK = (
    _BOOKING_SECOND
    + """
local queue, now, guard, cost = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tps = tonumber(string.match(queue, '|(%d+)$') or '0')
local second = booking_second(now, guard)
if tps <= 0 then return second end
while true do
  local key = queue .. ':tps:' .. second
  local booked = tonumber(redis.call('GET', key) or '0')
  if booked + cost <= tps or booked == 0 then
    redis.call('INCRBY', key, cost)
    redis.call('EXPIRE', key, 10)
    return second
  end
  second = second + 1
end
"""
)

# Completes a send popped from ARGV[1]; with a message uuid (ARGV[2]), also in the same round trip: marks it
# sent in the set KEYS[1] (when KEYS[1] is not '', expiring after ARGV[3] s) and removes its sending mark KEYS[2].
_COMPLETE = """
local queue = ARGV[1]
if KEYS[1] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
if KEYS[2] ~= '' then redis.call('DEL', KEYS[2]) end
if queue == '' then return 1 end
local score = redis.call('ZSCORE', 'msgs:active', queue)
if score then
  if tonumber(score) > 0 then redis.call('ZINCRBY', 'msgs:active', -1, queue) end
  if redis.call('ZCARD', queue .. '/1') + redis.call('ZCARD', queue .. '/0') == 0 and tonumber(score) <= 1 then
    redis.call('ZREM', 'msgs:active', queue)
  end
end
return 1
"""

# Brings throttled queues and those with items now due back into rotation, keeping their worker counts.
_DETHROTTLE = """
local now = tonumber(ARGV[1])
for _, queue in ipairs(redis.call('SMEMBERS', 'msgs:throttled')) do
  redis.call('ZINCRBY', 'msgs:active', 0, queue)
end
redis.call('DEL', 'msgs:throttled')
for _, queue in ipairs(redis.call('SMEMBERS', 'msgs:future')) do
  local due = 0
  for _, p in ipairs({'/1', '/0'}) do
    local head = redis.call('ZRANGE', queue .. p, 0, 0, 'WITHSCORES')
    if #head > 0 and tonumber(head[2]) <= now then due = 1 end
  end
  local waiting = redis.call('ZCARD', queue .. '/1') + redis.call('ZCARD', queue .. '/0')
  if due == 1 then redis.call('ZINCRBY', 'msgs:active', 0, queue) end
  if due == 1 or waiting == 0 then redis.call('SREM', 'msgs:future', queue) end
end
return 1
"""


# set by courier just before it hands a message to the provider, deleted once its status is recorded: a message
# still Q long after with this key set was being sent by a courier that died, which may or may not have
# reached the provider (mailroom's sweep_queued fails it, visibly, rather than risk sending it twice)
SENDING_TTL = 24 * 3600


def sending_key(msg_uuid: str) -> str:
    return f"sending-msgs:{msg_uuid}"


def queue_name(channel_uuid: str, tps: int) -> str:
    return f"msgs:{channel_uuid}|{tps}"


class OutgoingQueues:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self._push_many = script(redis, _PUSH_MANY)
        self._pop = script(redis, _POP)
        self._complete = script(redis, _COMPLETE)
        self._dethrottle = script(redis, _DETHROTTLE)
        self._rebook = script(redis, _REBOOK)

    async def push(
        self, channel_uuid: str, tps: int, msgs: list[dict[str, Any]], high_priority: bool
    ) -> None:
        """Queue one contact's messages as one item, so they go out in order."""
        await self.push_many([(channel_uuid, tps, msgs, high_priority)])

    async def push_many(self, items: list[tuple[str, int, list[dict[str, Any]], bool]]) -> None:
        """Queue many contacts' items, each as push() would: one command per queue and priority, with
        at most PUSH_CHUNK items each."""
        now = time.time()
        score, second = f"{now:.6f}", int(now)
        grouped: dict[tuple[str, int, bool], list[bytes]] = {}
        for channel_uuid, tps, msgs, high_priority in items:
            payload = orjson.dumps(msgs)  # a flow start encodes 100 messages per batch here
            grouped.setdefault((channel_uuid, tps, high_priority), []).append(payload)
        for (channel_uuid, tps, high_priority), payloads in grouped.items():
            for start in range(0, len(payloads), PUSH_CHUNK):
                await self._push_many(
                    keys=[queue_name(channel_uuid, tps)],
                    args=[
                        "1" if high_priority else "0",
                        score,
                        tps,
                        second,
                        *payloads[start : start + PUSH_CHUNK],
                    ],
                )

    async def pop(self) -> tuple[str, dict[str, Any], int] | str | None:
        """(queue, message, booked second) to send, None when there is nothing, or "retry" when a queue was
        just throttled or deferred and another pop may succeed."""
        result = await self._pop(keys=[], args=[f"{time.time():.6f}", BOOKING_GUARD])
        if result is None:
            return None
        if result == "retry":
            return "retry"
        return result[0], json.loads(result[1]), int(result[2])

    async def rebook(self, queue: str, cost: int) -> int:
        """A later second for a send whose worker missed its booked one (see the module's docstring)."""
        return int(await self._rebook(keys=[queue], args=[f"{time.time():.6f}", BOOKING_GUARD, max(cost, 1)]))

    async def complete(self, queue: str, msg_uuid: str = "", sent_set: str = "", sent_ttl: int = 0) -> None:
        """The send popped from `queue` ('' for none) is done. For a message, its sending mark goes, and
        with `sent_set` it is added there (courier's record of what went out) in the same round trip."""
        keys = [sent_set if msg_uuid else "", sending_key(msg_uuid) if msg_uuid else ""]
        await self._complete(keys=keys, args=[queue, msg_uuid, sent_ttl])

    async def wait_for_pushes(self, timeout: float, most: int) -> int:
        """Block until something is pushed (or timeout seconds pass); returns how many pushes were
        signalled, up to `most` (a process's idle senders): each signal is taken by one process, so a
        push wakes one courier rather than every courier."""
        if await self.redis.blpop([SIGNAL], timeout=timeout) is None:
            return 0
        more = await self.redis.lpop(SIGNAL, most - 1) if most > 1 else None
        return 1 + len(more or [])

    async def dethrottle(self) -> None:
        await self._dethrottle(keys=[], args=[f"{time.time():.6f}"])

    async def depth(self) -> dict[str, int]:
        """Items waiting per queue, for metrics."""
        # the client decodes responses (upesi.queues.redis), so members are str
        names = set(cast(list[str], await self.redis.zrange(ACTIVE, 0, -1)))
        for parked in (THROTTLED, FUTURE):
            names |= cast(set[str], await self.redis.smembers(parked))
        depths: dict[str, int] = {}
        for name in names:
            depths[name] = int(await self.redis.zcard(name + "/1")) + int(await self.redis.zcard(name + "/0"))
        return depths
