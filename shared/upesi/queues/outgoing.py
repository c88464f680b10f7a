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

import time
from dataclasses import dataclass
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

# The double-send guard, run on the message a pop takes (with the keys of SendGuard): a send to the URN makes
# a repeat of their last message a fresh answer (its recent-message record is cleared); then 'sent' when the
# message already went out, 'sending' when another worker holds its sending mark (or a courier died holding
# it), else the mark is taken and 'send'.
_GUARD = """
local function text_of(value)
  if type(value) == 'string' then return value end
  return ''
end
local function send_guard(msg, recent_cur, recent_prev, sent_cur, sent_prev, ttl)
  local field = text_of(msg['channel_uuid']) .. '|' .. text_of(msg['urn'])
  redis.call('HDEL', recent_cur, field)
  redis.call('HDEL', recent_prev, field)
  local uuid = text_of(msg['uuid'])
  if uuid == '' then return 'send' end
  if redis.call('SISMEMBER', sent_cur, uuid) == 1 or redis.call('SISMEMBER', sent_prev, uuid) == 1 then
    return 'sent'
  end
  if redis.call('SET', 'sending-msgs:' .. uuid, '1', 'NX', 'EX', ttl) then return 'send' end
  return 'sending'
end
"""

# Takes the next message of the queue with the fewest workers, booked into `second`: nil when no queue is in
# rotation, 'retry' when the queue was just throttled or deferred (another may have work), else
# {queue, the message as a JSON list of one, second, its guard verdict ('' when guard_args is nil)}.
_POP_ONE = """
local function pop_one(now, second, guard_args)
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
  local out = item  -- a lone message goes back as pushed (cjson would turn its empty lists into objects)
  if #msgs > 1 then
    table.remove(msgs, 1)
    redis.call('ZADD', queue .. '/1', now + 3, cjson.encode(msgs))
    redis.call('SADD', 'msgs:future', queue)
    out = cjson.encode({first})
  end
  local cost = tonumber(first['tps_cost'] or 1)
  if cost < 1 then cost = 1 end
  redis.call('INCRBY', tps_key, cost)
  redis.call('EXPIRE', tps_key, 10)
  redis.call('ZINCRBY', 'msgs:active', 1, queue)
  local verdict = ''
  if guard_args then verdict = send_guard(first, unpack(guard_args)) end
  return {queue, out, second, verdict}
end
"""

# ARGV: now, the booking guard, then optionally the send guard's keys and the sending mark's expiry.
_POP = (
    _BOOKING_SECOND
    + _GUARD
    + _POP_ONE
    + """
local now = tonumber(ARGV[1])
local guard_args = nil
if ARGV[3] then guard_args = {ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]} end
return pop_one(now, booking_second(now, tonumber(ARGV[2])), guard_args)
"""
)

# Up to ARGV[3] pops in one round trip (ARGV as _POP's, the count third): a list of _POP's results, shorter
# when the queues in rotation ran out of messages that may go now.
_POP_MANY = (
    _BOOKING_SECOND
    + _GUARD
    + _POP_ONE
    + """
local now, count = tonumber(ARGV[1]), tonumber(ARGV[3])
local second = booking_second(now, tonumber(ARGV[2]))
local guard_args = nil
if ARGV[4] then guard_args = {ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]} end
local out = {}
local tries = 0
while #out < count and tries < count + 100 do
  tries = tries + 1
  local popped = pop_one(now, second, guard_args)
  if popped == nil then break end
  if popped ~= 'retry' then out[#out + 1] = popped end
end
return out
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

# Completes a send popped from `queue` ('' for none); with a message uuid, also marks it sent in `sent_set`
# (when not '', expiring after `ttl` s) and removes its sending mark. One call completes many sends: ARGV
# holds (queue, uuid, sent set, ttl) per send.
_COMPLETE = """
local function complete(queue, uuid, sent_set, ttl)
  if uuid ~= '' and sent_set ~= '' then
    redis.call('SADD', sent_set, uuid)
    redis.call('EXPIRE', sent_set, ttl)
  end
  if uuid ~= '' then redis.call('DEL', 'sending-msgs:' .. uuid) end
  if queue == '' then return end
  local score = redis.call('ZSCORE', 'msgs:active', queue)
  if score then
    if tonumber(score) > 0 then redis.call('ZINCRBY', 'msgs:active', -1, queue) end
    if redis.call('ZCARD', queue .. '/1') + redis.call('ZCARD', queue .. '/0') == 0 and tonumber(score) <= 1 then
      redis.call('ZREM', 'msgs:active', queue)
    end
  end
end
for i = 1, #ARGV, 4 do complete(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
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


@dataclass(frozen=True)
class SendGuard:
    """The keys of the double-send guard a pop applies to the message it takes (courier.dedup names them):
    the URN's recent-message hashes (current, previous), the sets of messages sent (current, previous)."""

    recent: tuple[str, str]
    sent: tuple[str, str]
    sending_ttl: int = SENDING_TTL


# a popped send: (queue, message, booked second, guard verdict: 'send', 'sent', 'sending', or '' unguarded)
Popped = tuple[str, dict[str, Any], int, str]


class OutgoingQueues:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self._push_many = script(redis, _PUSH_MANY)
        self._pop = script(redis, _POP)
        self._pop_many = script(redis, _POP_MANY)
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

    async def pop(self, guard: SendGuard | None = None) -> Popped | str | None:
        """(queue, message, booked second, verdict) to send, None when there is nothing, or "retry" when a
        queue was just throttled or deferred and another pop may succeed. With `guard`, the same round trip
        runs the double-send guard on the message (see _GUARD): a pop that fails takes nothing."""
        args: list[str | float | int] = [f"{time.time():.6f}", BOOKING_GUARD]
        if guard is not None:
            args += [*guard.recent, *guard.sent, guard.sending_ttl]
        result = await self._pop(keys=[], args=args)
        if result is None:
            return None
        if result == "retry":
            return "retry"
        return result[0], orjson.loads(result[1])[0], int(result[2]), str(result[3])

    async def pop_many(self, count: int, guard: SendGuard | None = None) -> list[Popped]:
        """Up to `count` pops, as pop() would make them one after the other, in one round trip; fewer when
        the queues in rotation have no more messages that may go now (throttled, deferred or empty)."""
        args: list[str | float | int] = [f"{time.time():.6f}", BOOKING_GUARD, count]
        if guard is not None:
            args += [*guard.recent, *guard.sent, guard.sending_ttl]
        results = await self._pop_many(keys=[], args=args)
        return [(r[0], orjson.loads(r[1])[0], int(r[2]), str(r[3])) for r in results or []]

    async def rebook(self, queue: str, cost: int) -> int:
        """A later second for a send whose worker missed its booked one (see the module's docstring)."""
        return int(await self._rebook(keys=[queue], args=[f"{time.time():.6f}", BOOKING_GUARD, max(cost, 1)]))

    async def complete(self, queue: str, msg_uuid: str = "", sent_set: str = "", sent_ttl: int = 0) -> None:
        """The send popped from `queue` ('' for none) is done. For a message, its sending mark goes, and
        with `sent_set` it is added there (courier's record of what went out) in the same round trip."""
        await self.complete_many([(queue, msg_uuid, sent_set, sent_ttl)])

    async def complete_many(self, sends: list[tuple[str, str, str, int]]) -> None:
        """Many sends done, each as complete(queue, msg_uuid, sent_set, sent_ttl), in one round trip."""
        if sends:
            await self._complete(keys=[], args=[value for send in sends for value in send])

    async def wait_for_pushes(self, timeout: float, most: int) -> int:
        """Block until something is pushed (or timeout seconds pass); returns how many pushes were
        signalled, up to `most` (a process's idle senders): each signal is taken by one process, so a
        push wakes one courier rather than every courier."""
        popped = await self.redis.blmpop(timeout, 1, SIGNAL, direction="LEFT", count=most)
        return len(popped[1]) if popped else 0

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
