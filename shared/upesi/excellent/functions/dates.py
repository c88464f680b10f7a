"""Date, time and datetime builtins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from upesi.excellent.functions.args import int_arg, number_arg, text_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.dates import (
    TIME_TOKENS,
    load_timezone,
    parse_layout,
    to_date,
    to_datetime,
    to_time,
    tokenize_layout,
)
from upesi.excellent.types.values import XError

_UNITS = ("Y", "M", "W", "D", "h", "m", "s")
MAX_EPOCH = Decimal("1E+12")


@builtin("now", 0)
def now(env: Any) -> Any:
    return env.now()


@builtin("today", 0)
def today(env: Any) -> Any:
    return env.now().date()


@builtin("datetime", 1)
def datetime_(env: Any, v: Any) -> Any:
    return to_datetime(env, v)


@builtin("date", 1)
def date_(env: Any, v: Any) -> Any:
    return to_date(env, v)


@builtin("time", 1)
def time_(env: Any, v: Any) -> Any:
    return to_time(env, v)


def _add_months(v: dt.datetime, months: int) -> dt.datetime:
    # Go's AddDate normalises overflow (Jan 31 + 1 month = Mar 3), so we do the same
    total = v.year * 12 + (v.month - 1) + months
    y, m = divmod(total, 12)
    first = v.replace(year=y, month=m + 1, day=1)
    return first + dt.timedelta(days=v.day - 1)


def add_to_datetime(v: dt.datetime, n: int, unit: str) -> dt.datetime | XError:
    tz = v.tzinfo
    try:
        if unit == "Y":
            return _add_months(v, 12 * n)
        if unit == "M":
            return _add_months(v, n)
        if unit in ("W", "D"):
            days = n * 7 if unit == "W" else n
            naive = v.replace(tzinfo=None) + dt.timedelta(days=days)
            return naive.replace(tzinfo=tz)
        secs = {"h": 3600, "m": 60, "s": 1}[unit] * n
        return (v.astimezone(dt.UTC) + dt.timedelta(seconds=secs)).astimezone(tz)
    except (OverflowError, ValueError):
        return XError("datetime out of range")


@builtin("datetime_add", 3)
def datetime_add(env: Any, d: Any, n: Any, unit: Any) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    amount = int_arg(n)
    if isinstance(amount, XError):
        return amount
    u = text_arg(unit)
    if u not in _UNITS:
        return XError(f"unknown unit: {u}, must be one of s, m, h, D, W, M, Y")
    return add_to_datetime(v, amount, u)


def _trunc(x: float) -> int:
    return int(x)


@builtin("datetime_diff", 3)
def datetime_diff(env: Any, a: Any, b: Any, unit: Any) -> Any:
    d1 = to_datetime(env, a)
    if isinstance(d1, XError):
        return d1
    d2 = to_datetime(env, b)
    if isinstance(d2, XError):
        return d2
    u = text_arg(unit)
    if u not in _UNITS:
        return XError(f"unknown unit: {u}, must be one of s, m, h, D, W, M, Y")
    if u == "Y":
        return Decimal(d2.year - d1.year)
    if u == "M":
        return Decimal((d2.year - d1.year) * 12 + d2.month - d1.month)
    if u in ("D", "W"):
        days = (d2.astimezone(d1.tzinfo).date() - d1.date()).days
        return Decimal(days if u == "D" else _trunc(days / 7))
    secs = (d2.astimezone(dt.UTC) - d1.astimezone(dt.UTC)).total_seconds()
    return Decimal(_trunc(secs / {"h": 3600, "m": 60, "s": 1}[u]))


@builtin("replace_time", 2)
def replace_time(env: Any, d: Any, t: Any) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    tm = to_time(env, t)
    if isinstance(tm, XError):
        return tm
    return v.replace(hour=tm.hour, minute=tm.minute, second=tm.second, microsecond=tm.microsecond)


@builtin("tz", 1)
def tz(env: Any, d: Any) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    key = getattr(v.tzinfo, "key", None)
    if key:
        return key
    off = v.utcoffset()
    return "UTC" if not off else v.tzname() or ""


@builtin("tz_offset", 1)
def tz_offset(env: Any, d: Any) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    return v.strftime("%z") or "+0000"


@builtin("epoch", 1)
def epoch(env: Any, d: Any) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    delta = v - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    secs = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)
    return secs.normalize() if secs != secs.to_integral_value() else secs.to_integral_value()


@builtin("datetime_from_epoch", 1)
def datetime_from_epoch(env: Any, n: Any) -> Any:
    secs = number_arg(n)
    if isinstance(secs, XError):
        return secs
    if abs(secs) >= MAX_EPOCH:
        return XError("value out of range")
    whole = int(secs)
    us = int(((secs - whole) * 1_000_000).to_integral_value())
    v = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=whole, microseconds=us)
    return v.astimezone(env.timezone)


@builtin("date_from_parts", 3)
def date_from_parts(env: Any, y: Any, m: Any, d: Any) -> Any:
    parts = [int_arg(x) for x in (y, m, d)]
    for p in parts:
        if isinstance(p, XError):
            return p
    y, m, d = parts  # type: ignore[misc]
    if not (1 <= m <= 12) or not (1 <= d <= 31):  # type: ignore[operator]
        return XError("invalid value for date parts")
    # like Go's time.Date, an overflowing day rolls into the next month (Feb 31 -> Mar 3)
    return dt.date(y, m, 1) + dt.timedelta(days=d - 1)  # type: ignore[arg-type,operator]


@builtin("time_from_parts", 3)
def time_from_parts(env: Any, h: Any, m: Any, s: Any) -> Any:
    parts = [int_arg(x) for x in (h, m, s)]
    for p in parts:
        if isinstance(p, XError):
            return p
    try:
        return dt.time(*parts)  # type: ignore[arg-type]
    except ValueError:
        return XError("invalid value for time parts")


@builtin("weekday", 1)
def weekday(env: Any, d: Any) -> Any:
    v = to_date(env, d)
    if isinstance(v, XError):
        return v
    return Decimal((v.weekday() + 1) % 7)


@builtin("week_number", 1)
def week_number(env: Any, d: Any) -> Any:
    v = to_date(env, d)
    if isinstance(v, XError):
        return v
    # goflow counts weeks from the first Sunday-started week of the year (like %U, but from 1)
    jan1 = dt.date(v.year, 1, 1)
    first_weekday = (jan1.weekday() + 1) % 7
    return Decimal((v.timetuple().tm_yday + first_weekday - 1) // 7 + 1)


@builtin("parse_datetime", 2, 3)
def parse_datetime(env: Any, text: Any, fmt: Any, tzname: Any = None) -> Any:
    layout = text_arg(fmt)
    tokens = tokenize_layout(layout)
    if tokens is None:
        return XError(f"'{layout}' is not a valid date format")
    zone = env.timezone
    if tzname is not None:
        zone = load_timezone(text_arg(tzname))
        if zone is None:
            return XError(f"unknown time zone {text_arg(tzname)}")
    v = parse_layout(text_arg(text), tokens, zone)
    if v is None:
        return XError(f"{text_arg(text)} does not match format {layout}")
    return v


@builtin("parse_time", 2)
def parse_time(env: Any, text: Any, fmt: Any) -> Any:
    layout = text_arg(fmt)
    tokens = tokenize_layout(layout, frozenset(TIME_TOKENS))
    if tokens is None:
        return XError(f"'{layout}' is not a valid time format")
    v = parse_layout(text_arg(text), tokens, dt.UTC)
    if v is None:
        return XError(f"{text_arg(text)} does not match format {layout}")
    return v.time()


def add_legacy(env: Any, a: Any, b: Any) -> Any:
    """legacy_add: number + number, or date + days in either order (values must fit 32 bits)."""
    from upesi.excellent.types.convert import to_number

    def small_int(n: Decimal) -> int | XError:
        if abs(n) >= 2**31:
            return XError("number out of range for a day count")
        return int(n)

    na, nb = to_number(a), to_number(b)
    if not isinstance(na, XError) and not isinstance(nb, XError):
        return na + nb
    if not isinstance(nb, XError):
        d = to_datetime(env, a)
        if isinstance(d, XError):
            return d
        n = small_int(nb)
        return n if isinstance(n, XError) else add_to_datetime(d, n, "D")
    if not isinstance(na, XError):
        d = to_datetime(env, b)
        if isinstance(d, XError):
            return d
        n = small_int(na)
        return n if isinstance(n, XError) else add_to_datetime(d, n, "D")
    return XError("cannot add two non-numbers")
