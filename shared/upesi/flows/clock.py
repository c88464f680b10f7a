"""Time and identifier helpers shared by the engine (injectable for deterministic tests)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable

from upesi.excellent.types.convert import format_datetime_iso

Clock = Callable[[], dt.datetime]
UUIDs = Callable[[], str]


def real_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _RandomHex(threading.local):
    """Random hex digits read from the OS in blocks, one buffer per thread (mailroom runs the engine in
    worker threads): one os.urandom call per ~200 UUIDs instead of one each."""

    def __init__(self) -> None:
        self.digits = ""
        self.pos = 0

    def take(self, n: int) -> str:
        pos = self.pos
        if pos + n > len(self.digits):
            self.digits = os.urandom(1024).hex()
            pos = 0
        self.pos = pos + n
        return self.digits[pos : pos + n]


_random_hex = _RandomHex()
# a forked child must not hand out the digits its parent will also use
os.register_at_fork(after_in_child=_random_hex.__init__)


def uuid7() -> str:
    """A time-ordered V7 UUID (Python 3.11 has no uuid7 of its own): 48 bits of milliseconds, the version,
    74 random bits around the variant. Formatted from hex directly: several are made per step, and going
    through uuid.UUID cost more than the rest of logging an event."""
    ms = f"{time.time_ns() // 1_000_000 & 0xFFFFFFFFFFFF:012x}"
    r = _random_hex.take(19)
    variant = int(r[3], 16) & 0x3 | 0x8
    return f"{ms[:8]}-{ms[8:]}-7{r[:3]}-{variant:x}{r[4:7]}-{r[7:19]}"


def iso(t: dt.datetime) -> str:
    return format_datetime_iso(t.astimezone(dt.UTC))


def parse_iso(s: str | None) -> dt.datetime | None:
    """Parse goflow timestamps (which may carry nanoseconds) into aware datetimes."""
    if not s:
        return None
    from upesi.flows.timeparse import parse_goflow_time

    return parse_goflow_time(s)
