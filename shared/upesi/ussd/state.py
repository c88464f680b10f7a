"""A USSD session's state between requests, kept by mailroom and read by courier:

ussd:s:{channel uuid}:{session id}  JSON {"contact_id", "flow_session_uuid", "hops", "answer", "quick_replies"}

`hops` is how many inputs were handled (a request repeated by the provider is answered again with `answer`
instead of resuming the flow twice); `quick_replies` are the options the last screen numbered. Expires with
the longest USSD session a network allows (SESSION_SECONDS), after which the flow session has expired too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import redis.asyncio as aioredis

# a USSD session lasts at most a few minutes (networks time out idle ones after 20-180 s); the flow session
# of a USSD session expires after this long without input (its expiration fire is moved to this)
SESSION_SECONDS = 180


def state_key(channel_uuid: str, session_id: str) -> str:
    return f"ussd:s:{channel_uuid}:{session_id}"


@dataclass
class SessionState:
    contact_id: int
    flow_session_uuid: str
    hops: int
    answer: str  # the last Reply, encoded
    quick_replies: list[str] = field(default_factory=list)

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))


async def load(redis: aioredis.Redis, channel_uuid: str, session_id: str) -> SessionState | None:
    raw = await redis.get(state_key(channel_uuid, session_id))
    if not raw:
        return None
    data = json.loads(raw)
    return SessionState(
        contact_id=int(data["contact_id"]),
        flow_session_uuid=str(data["flow_session_uuid"]),
        hops=int(data["hops"]),
        answer=str(data["answer"]),
        quick_replies=list(data.get("quick_replies") or []),
    )


async def save(redis: aioredis.Redis, channel_uuid: str, session_id: str, state: SessionState) -> None:
    await redis.set(state_key(channel_uuid, session_id), state.encode(), ex=SESSION_SECONDS * 2)


async def forget(redis: aioredis.Redis, channel_uuid: str, session_id: str) -> None:
    await redis.delete(state_key(channel_uuid, session_id))
