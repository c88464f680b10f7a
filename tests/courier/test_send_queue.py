"""The outgoing queues as courier's senders use them, against a real Redis: a push wakes an idle sender,
each pop books its send into a second with TPS budget left (the next one near a second's end), a late send
is booked into a later second, and incoming dedup claims made in one batch."""

from typing import Any

import pytest

from courier import dedup
from upesi.queues.outgoing import BOOKING_GUARD, OutgoingQueues
from upesi.queues.redis import get_redis

CHANNEL = "8c1b1bde-0c3b-4d0b-9c46-1f2b8f9d3e11"


def msg(n: int) -> dict[str, Any]:
    return {"id": n, "uuid": f"00000000-0000-4000-8000-{n:012d}", "channel_uuid": CHANNEL, "tps_cost": 1}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import upesi.queues.outgoing as outgoing

    fake = Clock(1_000_000.0)
    monkeypatch.setattr(outgoing, "time", fake)
    return fake


async def test_a_push_wakes_a_waiting_sender(db: None) -> None:
    queues = OutgoingQueues(get_redis())
    assert await queues.wait_for_pushes(timeout=0.1, most=4) == 0
    await queues.push(CHANNEL, 10, [msg(1)], True)
    await queues.push(CHANNEL, 10, [msg(2)], True)
    assert await queues.wait_for_pushes(timeout=1, most=4) == 2  # one wake covers both pushes
    assert await queues.wait_for_pushes(timeout=0.1, most=4) == 0


@pytest.mark.parametrize(
    ("fraction", "booked_offset"),
    [(0.0, 0), (0.5, 0), (1 - BOOKING_GUARD - 0.01, 0), (1 - BOOKING_GUARD + 0.01, 1), (0.99, 1)],
)
async def test_a_pop_books_the_current_second_or_the_next_near_its_end(
    db: None, clock: Clock, fraction: float, booked_offset: int
) -> None:
    queues = OutgoingQueues(get_redis())
    clock.now = 1_000_000 + fraction
    await queues.push(CHANNEL, 10, [msg(1)], True)
    popped = await queues.pop()
    assert isinstance(popped, tuple)
    assert popped[2] == 1_000_000 + booked_offset


async def test_a_second_holds_at_most_the_tps_and_a_late_send_books_a_later_one(
    db: None, clock: Clock
) -> None:
    redis = get_redis()
    queues = OutgoingQueues(redis)
    clock.now = 1_000_000.1
    await queues.push_many([(CHANNEL, 2, [msg(n)], False) for n in range(1, 4)])
    first, second = await queues.pop(), await queues.pop()
    assert isinstance(first, tuple) and isinstance(second, tuple)
    assert first[2] == second[2] == 1_000_000
    assert await queues.pop() == "retry"  # the second's budget is used: the queue waits for the dethrottler
    assert await redis.get(f"{first[0]}:tps:1000000") == "2"
    # a worker that missed its second's guard books the first second with budget left
    clock.now = 1_000_000.9
    assert await queues.rebook(first[0], 1) == 1_000_001
    assert await queues.rebook(first[0], 1) == 1_000_001
    assert await queues.rebook(first[0], 1) == 1_000_002


@pytest.mark.parametrize(
    ("claims", "duplicates"),
    [
        # same URN and text in one batch: the second is the first's duplicate
        ([("tel:+1", None, "hi"), ("tel:+1", None, "hi")], [None, 0]),
        ([("tel:+1", None, "hi"), ("tel:+1", None, "bye")], [None, None]),
        ([("tel:+1", None, "hi"), ("tel:+2", None, "hi")], [None, None]),
        # by external id, whatever the text
        ([("tel:+1", "ext-1", "hi"), ("tel:+1", "ext-1", "other")], [None, 0]),
        ([("tel:+1", "ext-1", "hi"), ("tel:+1", "ext-2", "hi")], [None, None]),
    ],
)
async def test_dedup_claims_in_one_batch(
    db: None, claims: list[tuple[str, str | None, str]], duplicates: list[int | None]
) -> None:
    batch = [
        dedup.Claim(CHANNEL, urn, f"uuid-{i}", ext, text, ()) for i, (urn, ext, text) in enumerate(claims)
    ]
    found = await dedup.claim_many(get_redis(), batch)
    assert found == [None if d is None else f"uuid-{d}" for d in duplicates]
    # the last one claimed again later (a provider retrying) is a duplicate of the one that was stored
    last = batch[-1]
    again = dedup.Claim(last.channel_uuid, last.urn, "uuid-late", last.external_id, last.text, ())
    assert (await dedup.claim_many(get_redis(), [again]))[0] in {last.msg_uuid, batch[0].msg_uuid}
