"""UUIDs and timestamps as the engine stamps events with them."""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
import uuid

from upesi.flows.clock import iso, uuid7


def test_uuid7_is_a_valid_time_ordered_v7_uuid() -> None:
    before = time.time_ns() // 1_000_000
    made = [uuid7() for _ in range(5000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == len(made)
    millis = []
    for u in made:
        parsed = uuid.UUID(u)
        assert str(parsed) == u and parsed.version == 7 and parsed.variant == uuid.RFC_4122
        millis.append(parsed.int >> 80)
    assert millis == sorted(millis) and before <= millis[0] and millis[-1] <= after


def test_uuid7_differs_across_threads_and_forks() -> None:
    made: list[str] = []
    threads = [threading.Thread(target=lambda: made.extend(uuid7() for _ in range(5000))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 20_000

    uuid7()  # the parent's random buffer is filled before forking
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, " ".join(uuid7() for _ in range(50)).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 10_000).decode().split()
    parent = [uuid7() for _ in range(50)]
    # the random part (after the time) must not repeat between parent and child
    assert not {u[15:] for u in child} & {u[15:] for u in parent}


def _strftime_iso(v: dt.datetime) -> str:
    """The formatting iso() had before its fast path, as the reference."""
    v = v.astimezone(dt.UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond:06d}Z"


def test_iso_formats_like_strftime() -> None:
    rng = random.Random(4)
    zones = [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]
    for _ in range(20_000):
        v = dt.datetime(
            rng.choice([rng.randint(1, 9999), 2025]),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
            rng.choice([0, rng.randint(0, 999_999)]),
            tzinfo=rng.choice(zones),
        )
        if v.astimezone(dt.UTC).year < 1000:
            continue  # strftime doesn't zero-pad those; both paths give its answer
        assert iso(v) == _strftime_iso(v), v
    assert iso(dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)) == "2025-01-02T03:04:05.000006Z"
