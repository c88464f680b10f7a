"""Date and time case tests. A date without a time takes the time-of-day of now in the env timezone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.dates import find_date, find_time, parse_iso, to_date
from upesi.excellent.types.values import XError

_HOUR_AMPM_RE = re.compile(r"(?<!\d)(\d{1,2})\s*([aApP][mM])\b")


def _find_datetime(env: Any, text: str) -> dt.datetime | None:
    iso = parse_iso(text)
    if iso is not None:
        return iso
    found = find_date(env, text)
    if found is None:
        return None
    d, end = found
    t = find_time(text[end:])
    now = env.now().astimezone(env.timezone)
    if t is None:
        t = now.time().replace(tzinfo=None)
    return dt.datetime.combine(d, t).replace(tzinfo=env.timezone)


def _date_test(env: Any, text: Any, other: Any, pred: Any) -> Any:
    if other is not None or pred is not None:
        o = to_date(env, other)
        if isinstance(o, XError):
            return o
    v = _find_datetime(env, to_text(text))
    if v is None:
        return false_result()
    if pred is not None and not pred(v.astimezone(env.timezone).date(), o):
        return false_result()
    return true_result(v)


@case_test("has_date", 1)
def has_date(env: Any, text: Any) -> Any:
    return _date_test(env, text, None, None)


@case_test("has_date_lt", 2)
def has_date_lt(env: Any, text: Any, date: Any) -> Any:
    if text is None:
        return XError("requires text")
    return _date_test(env, text, date, lambda a, b: a < b)


@case_test("has_date_eq", 2)
def has_date_eq(env: Any, text: Any, date: Any) -> Any:
    return _date_test(env, text, date, lambda a, b: a == b)


@case_test("has_date_gt", 2)
def has_date_gt(env: Any, text: Any, date: Any) -> Any:
    return _date_test(env, text, date, lambda a, b: a > b)


@case_test("has_time", 1)
def has_time(env: Any, text: Any) -> Any:
    s = to_text(text)
    t = find_time(s)
    if t is None:
        m = _HOUR_AMPM_RE.search(s)
        if m and 1 <= int(m.group(1)) <= 12:
            t = dt.time(int(m.group(1)) % 12 + (12 if m.group(2).lower() == "pm" else 0))
    if t is None:
        return false_result()
    return true_result(t)
