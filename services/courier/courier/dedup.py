"""Incoming de-duplication in Redis, as the reference: a message with an external id is a duplicate of
one seen on the channel from the same URN within a day; one without is a duplicate of the same text and
attachments from the same URN within a few seconds (providers retry when we answer slowly). Keys are
interval hashes: each interval's hash expires after two intervals, and lookups check the current and the
previous one."""

import hashlib
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from upesi.queues.outgoing import SENDING_TTL, SendGuard
from upesi.queues.redis import script

EXTERNAL_INTERVAL = 24 * 3600
RECENT_INTERVAL = 2


def _keys(prefix: str, interval: int) -> tuple[str, str]:
    now = int(time.time()) // interval
    return f"{prefix}:{now}", f"{prefix}:{now - 1}"


def _fingerprint(text: str, attachments: list[str]) -> str:
    return hashlib.sha1("|".join([text, *attachments]).encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """One incoming message to record: by external id when it has one, else by its content."""

    channel_uuid: str
    urn: str
    msg_uuid: str
    external_id: str | None
    text: str
    attachments: tuple[str, ...]


# Claims many messages in one round trip, atomically, in order (so the second of two identical messages in
# one batch is the duplicate). ARGV: the four hash names (external current/previous, recent current/previous),
# then per claim: kind ('x' external id, 'r' recent content), field, value to match ('' or the fingerprint),
# msg uuid. Returns per claim the earlier uuid, or '' when the message is new.
_CLAIM_MANY = """
local ext_cur, ext_prev, rec_cur, rec_prev = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ext_ttl, rec_ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local out = {}
local touched_ext, touched_rec = false, false
for i = 7, #ARGV, 4 do
  local kind, field, fp, uuid = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local earlier = ''
  if kind == 'x' then
    local prev = redis.call('HGET', ext_prev, field)
    if prev then
      earlier = prev
    else
      redis.call('HSETNX', ext_cur, field, uuid)
      local holder = redis.call('HGET', ext_cur, field)
      if holder ~= uuid then earlier = holder end
      touched_ext = true
    end
  else
    for _, key in ipairs({rec_cur, rec_prev}) do
      local value = redis.call('HGET', key, field)
      if value and earlier == '' then
        local sep = string.find(value, '|', 1, true)
        if sep and string.sub(value, sep + 1) == fp then earlier = string.sub(value, 1, sep - 1) end
      end
    end
    if earlier == '' then
      redis.call('HSET', rec_cur, field, uuid .. '|' .. fp)
      touched_rec = true
    end
  end
  out[#out + 1] = earlier
end
if touched_ext then redis.call('EXPIRE', ext_cur, ext_ttl) end
if touched_rec then redis.call('EXPIRE', rec_cur, rec_ttl) end
return out
"""


async def claim_many(redis: aioredis.Redis, claims: list[Claim]) -> list[str | None]:
    """Record each message, as the reference does one by one; returns per claim the uuid of the message it
    duplicates, or None when it is new. One round trip for the batch."""
    args: list[str | int] = [
        *_keys("seen-external-ids", EXTERNAL_INTERVAL),
        *_keys("seen-msgs", RECENT_INTERVAL),
        EXTERNAL_INTERVAL * 2,
        RECENT_INTERVAL * 2,
    ]
    for c in claims:
        if c.external_id:
            args += ["x", f"{c.channel_uuid}|{c.urn}|{c.external_id}", "", c.msg_uuid]
        else:
            args += ["r", f"{c.channel_uuid}|{c.urn}", _fingerprint(c.text, list(c.attachments)), c.msg_uuid]
    found = await script(redis, _CLAIM_MANY)(keys=[], args=args)
    return [str(v) if v else None for v in found]


SENT_INTERVAL = 3600


def send_guard() -> SendGuard:
    """The keys of the double-send guard a pop runs on the message it takes (upesi.queues.outgoing._GUARD):
    a send to the URN clears its recent-message record, so a repeat of their last message is a fresh answer;
    a message in the sent sets is not sent again; the sending mark is taken for the send."""
    return SendGuard(_keys("seen-msgs", RECENT_INTERVAL), _keys("sent-msgs", SENT_INTERVAL), SENDING_TTL)


def sent_record(status: str) -> tuple[str, int]:
    """Where a finished send is recorded as sent, with the record's expiry: ('', 0) for an error, which
    mailroom retries."""
    if status == "E":
        return "", 0
    current, _ = _keys("sent-msgs", SENT_INTERVAL)
    return current, SENT_INTERVAL * 2
