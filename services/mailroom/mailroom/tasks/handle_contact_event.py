"""Task `handle_contact_event`: drain one contact's event list under its lock, strictly in order.

{"type": "handle_contact_event", "task": {"contact_id": 42}}
"""

import json
import logging
from typing import Any, cast

from mailroom.contact_events import HANDLERS
from upesi.config import get_settings
from upesi.queues.contacts import (
    event_item,
    events_key,
    lock_and_peek,
    pop_and_peek,
    release_lock,
)
from upesi.queues.redis import get_redis
from upesi.queues.tasks import HandleContactEvent, queue_task

TASK = HandleContactEvent
MAX_ERRORS = 3
log = logging.getLogger(__name__)


async def handle(org_id: int, body: dict[str, Any]) -> None:
    task = HandleContactEvent.decode(body)
    contact_id = task.contact_id
    redis = get_redis()
    expiry_ms = int(get_settings().contact_lock_seconds * 1000)
    token, raw = await lock_and_peek(redis, org_id, contact_id, wait_seconds=10, expiry_ms=expiry_ms)
    if token is None:
        # another worker holds the contact: let it finish, then try again
        await queue_task(redis, org_id, task, priority=True)
        return
    key = events_key(org_id, contact_id)
    released = False
    try:
        # peek, handle, then pop: an event is only removed once handled, so a worker killed mid-event leaves
        # it for the redelivered task (handlers skip what they already committed)
        while raw is not None:
            try:
                item = json.loads(raw)
                event_type, event_body = item["type"], item["task"]
                handler = HANDLERS[event_type]
            except (ValueError, KeyError, TypeError):
                log.error(
                    "malformed contact event skipped", extra={"contact_id": contact_id, "item": raw[:500]}
                )
                await redis.lpop(key)
                raw = cast(str | None, await redis.lindex(key, 0))  # the client decodes responses
                continue
            try:
                await handler(org_id, contact_id, event_body)
            except Exception:
                await redis.lpop(key)
                errors = int(item.get("error_count", 0)) + 1
                if errors < MAX_ERRORS:
                    log.exception(
                        "contact event failed, will retry",
                        extra={"contact_id": contact_id, "type": event_type},
                    )
                    await redis.lpush(key, event_item(event_type, event_body, error_count=errors))
                    await queue_task(redis, org_id, task, priority=True)
                else:
                    log.exception(
                        "contact event failed too often, dropped",
                        extra={"contact_id": contact_id, "type": event_type},
                    )
                return
            raw = await pop_and_peek(redis, org_id, contact_id, token)
            released = raw is None  # with the last event, pop_and_peek released the lock
    finally:
        if not released:
            await release_lock(redis, org_id, contact_id, token)
