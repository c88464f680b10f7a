"""Parsing of RFC3339 timestamps as goflow writes them (up to nanosecond precision)."""

from __future__ import annotations

import datetime as dt
import re

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_goflow_time(s: str) -> dt.datetime | None:
    m = _RFC3339.match(s.strip())
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, tz = m.groups()
    us = int((frac or "0")[:6].ljust(6, "0"))
    if tz in (None, "Z", "z"):
        tzinfo: dt.tzinfo = dt.UTC
    else:
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        tzinfo = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), us, tzinfo=tzinfo)
    except ValueError:
        return None
