"""The reply handoff between courier (waiting in the provider's request) and mailroom (running the flow).

ussd:wait:{msg uuid}   set by courier before it stores the message, with an expiry a little past its deadline
ussd:reply:{msg uuid}  a list mailroom pushes the answer to, which courier pops (BLPOP)

Both sides end through a script that deletes the wait key: whoever deletes it decides. Mailroom pushes only if it
deleted the key (courier is still waiting); courier, on its deadline, deletes it and answers "too late", unless
mailroom got there first, in which case the reply is in the list and courier takes it after all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis

from upesi.queues.redis import script

REPLY_TTL = 60  # seconds an unread reply is kept (courier died between push and pop)

_DELIVER = """
if redis.call('DEL', KEYS[1]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[1])
    redis.call('EXPIRE', KEYS[2], ARGV[2])
    return 1
end
return 0
"""

_GIVE_UP = """
if redis.call('DEL', KEYS[1]) == 1 then return false end
return redis.call('LPOP', KEYS[2])
"""


def wait_key(msg_uuid: str) -> str:
    return f"ussd:wait:{msg_uuid}"


def reply_key(msg_uuid: str) -> str:
    return f"ussd:reply:{msg_uuid}"


@dataclass
class Reply:
    """What courier answers: `text` (already fitted to a screen) and whether the session goes on. `error`
    names why there is no flow answer (unknown service code, session gone); `cut` says the text was cut."""

    text: str
    end: bool
    error: str = ""
    cut: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def decode(raw: str) -> Reply:
        data = json.loads(raw)
        return Reply(
            text=str(data.get("text", "")),
            end=bool(data.get("end", True)),
            error=str(data.get("error", "")),
            cut=bool(data.get("cut", False)),
            extra=dict(data.get("extra") or {}),
        )


async def start_waiting(redis: aioredis.Redis, msg_uuid: str, seconds: float) -> None:
    await redis.set(wait_key(msg_uuid), "1", px=int((seconds + 5) * 1000))


async def is_waiting(redis: aioredis.Redis, msg_uuid: str) -> bool:
    return bool(await redis.exists(wait_key(msg_uuid)))


async def deliver(redis: aioredis.Redis, msg_uuid: str, reply: Reply) -> bool:
    """Mailroom's side: True if courier was still waiting and now has the reply."""
    keys = [wait_key(msg_uuid), reply_key(msg_uuid)]
    return bool(await script(redis, _DELIVER)(keys=keys, args=[reply.encode(), REPLY_TTL]))


async def await_reply(redis: aioredis.Redis, msg_uuid: str, seconds: float) -> Reply | None:
    """Courier's side: the reply, or None when mailroom did not answer within `seconds` (mailroom then
    learns it was too late, as the wait key is gone)."""
    popped = await redis.blpop([reply_key(msg_uuid)], timeout=seconds)
    if popped is not None:
        value = popped[1]
        return Reply.decode(value if isinstance(value, str) else value.decode())
    raw = await script(redis, _GIVE_UP)(keys=[wait_key(msg_uuid), reply_key(msg_uuid)], args=[])
    if not raw:
        return None
    return Reply.decode(raw if isinstance(raw, str) else raw.decode())
