"""Time and identifier helpers shared by the engine (injectable for deterministic tests)."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid as uuidlib
from collections.abc import Callable

from upesi.excellent.types.convert import format_datetime_iso

Clock = Callable[[], dt.datetime]
UUIDs = Callable[[], str]


def real_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def uuid7() -> str:
    """A time-ordered V7 UUID (Python 3.11 has no uuid7 of its own)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuidlib.UUID(int=value))


def iso(t: dt.datetime) -> str:
    return format_datetime_iso(t.astimezone(dt.UTC))


def parse_iso(s: str | None) -> dt.datetime | None:
    """Parse goflow timestamps (which may carry nanoseconds) into aware datetimes."""
    if not s:
        return None
    from upesi.flows.timeparse import parse_goflow_time

    return parse_goflow_time(s)
