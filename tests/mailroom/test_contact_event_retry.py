"""A contact event whose handler fails is put back at the head of the contact's list and its task queued again;
after MAX_ERRORS failures it is dropped. (The retry once re-queued the event's body as if it were the task.)"""

from typing import Any

import pytest

from mailroom.tasks import handle_contact_event
from upesi.queues.contacts import events_key, queue_contact_event
from upesi.queues.fair import FairQueue, Task
from upesi.queues.redis import get_redis
from upesi.queues.tasks import HandleContactEvent

ORG, CONTACT = 7, 70


@pytest.mark.parametrize("failures, handled, left_in_list", [(1, 1, 0), (2, 1, 0), (3, 0, 0)])
async def test_a_failing_event_is_retried_then_dropped(
    db: None, monkeypatch: pytest.MonkeyPatch, failures: int, handled: int, left_in_list: int
) -> None:
    redis = get_redis()
    calls: list[dict[str, Any]] = []

    async def flaky(org_id: int, contact_id: int, body: dict[str, Any]) -> None:
        calls.append(body)
        if len(calls) <= failures:
            raise RuntimeError("boom")

    monkeypatch.setitem(handle_contact_event.HANDLERS, "flaky_event", flaky)
    await queue_contact_event(redis, ORG, CONTACT, "flaky_event", {"n": 1})
    queue = FairQueue(redis, HandleContactEvent.QUEUE)

    rounds = 0
    while (popped := await queue.pop()) is not None and rounds < 5:
        owner, payload = popped
        task = Task.decode(owner, payload)
        assert task.type == "handle_contact_event" and task.task == {"contact_id": CONTACT}
        await handle_contact_event.handle(int(owner), task.task)
        await queue.done(owner, payload)
        rounds += 1

    assert calls == [{"n": 1}] * min(failures + handled, handle_contact_event.MAX_ERRORS)
    assert await redis.llen(events_key(ORG, CONTACT)) == left_in_list
