"""Time and identifier helpers shared by the engine (injectable for deterministic tests)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from threading import get_ident
from typing import Any

from upesi.excellent.types.convert import format_datetime_iso

Clock = Callable[[], dt.datetime]
UUIDs = Callable[[], str]


def real_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# random hex digits read from the OS in blocks, a buffer per thread (mailroom runs the engine in worker
# threads): thread id -> [digits, position]. One os.urandom call per ~100 UUIDs instead of one each.
_random_pools: dict[int, list[Any]] = {}
# a forked child must not hand out the digits its parent will also use
os.register_at_fork(after_in_child=_random_pools.clear)
_VARIANT = {c: "89ab"[int(c, 16) & 0x3] for c in "0123456789abcdef"}
_last_ms: tuple[int, str] = (-1, "")  # the last millisecond and its UUID prefix, "tttttttt-tttt-7"


def _random_digits(n: int) -> str:
    ident = get_ident()
    pool = _random_pools.get(ident)
    if pool is None:
        pool = _random_pools[ident] = ["", 0]
    digits, pos = pool
    if pos + n > len(digits):
        digits = pool[0] = os.urandom(1024).hex()
        pos = 0
    pool[1] = pos + n
    return digits[pos : pos + n]


def uuid7() -> str:
    """A time-ordered V7 UUID (Python 3.11 has no uuid7 of its own): 48 bits of milliseconds, the version,
    74 random bits around the variant. Built from hex strings: several are made per step, and going
    through uuid.UUID cost more than the rest of logging an event."""
    global _last_ms
    ms = time.time_ns() // 1_000_000
    last, prefix = _last_ms
    if last != ms:
        t = f"{ms & 0xFFFFFFFFFFFF:012x}"
        prefix = f"{t[:8]}-{t[8:]}-7"
        _last_ms = (ms, prefix)
    r = _random_digits(19)
    return f"{prefix}{r[:3]}-{_VARIANT[r[3]]}{r[4:7]}-{r[7:]}"


def iso(t: dt.datetime) -> str:
    return format_datetime_iso(t if t.tzinfo is dt.UTC else t.astimezone(dt.UTC))


def parse_iso(s: str | None) -> dt.datetime | None:
    """Parse goflow timestamps (which may carry nanoseconds) into aware datetimes."""
    if not s:
        return None
    from upesi.flows.timeparse import parse_goflow_time

    return parse_goflow_time(s)
