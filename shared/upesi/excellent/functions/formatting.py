"""Formatting builtins: format, format_date/datetime/time, format_number, format_location."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from upesi.excellent.functions.args import int_arg, number_arg, text_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.types.convert import format_decimal, to_text, truthy
from upesi.excellent.types.dates import (
    DATE_TOKENS,
    TIME_TOKENS,
    format_layout,
    load_timezone,
    to_date,
    to_datetime,
    to_time,
    tokenize_layout,
)
from upesi.excellent.types.values import XError

_DATE_ONLY = frozenset(DATE_TOKENS)
_TIME_ONLY = frozenset(TIME_TOKENS)


def _layout(fmt: str, allowed: frozenset[str] | None) -> list[str] | XError:
    tokens = tokenize_layout(fmt, allowed)
    if tokens is None:
        return XError(f"'{fmt}' is not a valid format")
    return tokens


def format_number_value(env: Any, n: Decimal, places: int | None, humanize: bool) -> str:
    if places is not None:
        n = n.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
        s = format(n, "f")
    else:
        s = format_decimal(n)
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    grp = getattr(env, "digit_grouping_symbol", ",")
    if humanize and len(whole) > 3:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        whole = grp.join(groups)
    out = whole + (getattr(env, "decimal_symbol", ".") + frac if frac else "")
    return "-" + out if neg else out


@builtin("format_number", 1, 3)
def format_number(env: Any, n: Any, places: Any = None, humanize: Any = None) -> Any:
    d = number_arg(n)
    if isinstance(d, XError):
        return d
    p: int | None = None
    if places is not None:
        pi = int_arg(places)
        if isinstance(pi, XError):
            return pi
        if pi < 0 or pi > 9:
            return XError(f"must take 0-9 number of places, got {pi}")
        p = pi
    h = True if humanize is None else truthy(humanize)
    return format_number_value(env, d, p, h)


def _date_format(env: Any) -> str:
    return env.date_format


def _time_format(env: Any) -> str:
    return env.time_format


@builtin("format_date", 1, 2)
def format_date(env: Any, d: Any, fmt: Any = None) -> Any:
    v = to_date(env, d)
    if isinstance(v, XError):
        return v
    tokens = _layout(_date_format(env) if fmt is None else text_arg(fmt), _DATE_ONLY)
    if isinstance(tokens, XError):
        return tokens
    return format_layout(v, tokens)


@builtin("format_datetime", 1, 3)
def format_datetime(env: Any, d: Any, fmt: Any = None, tzname: Any = None) -> Any:
    v = to_datetime(env, d)
    if isinstance(v, XError):
        return v
    layout = f"{_date_format(env)} {_time_format(env)}" if fmt is None else text_arg(fmt)
    tokens = _layout(layout, None)
    if isinstance(tokens, XError):
        return tokens
    zone = env.timezone
    if tzname is not None:
        zone = load_timezone(text_arg(tzname))
        if zone is None:
            return XError(f"unknown time zone {text_arg(tzname)}")
    return format_layout(v.astimezone(zone), tokens)


@builtin("format_time", 1, 2)
def format_time(env: Any, t: Any, fmt: Any = None) -> Any:
    v = to_time(env, t)
    if isinstance(v, XError):
        return v
    tokens = _layout(_time_format(env) if fmt is None else text_arg(fmt), _TIME_ONLY)
    if isinstance(tokens, XError):
        return tokens
    return format_layout(v, tokens)


@builtin("format", 1)
def format_(env: Any, v: Any) -> Any:
    if isinstance(v, Decimal):
        return format_number_value(env, v, None, True)
    if isinstance(v, dt.datetime):
        return format_datetime(env, v)
    if isinstance(v, dt.date):
        return format_date(env, v)
    if isinstance(v, dt.time):
        return format_time(env, v)
    return to_text(v)


@builtin("format_location", 1)
def format_location(env: Any, path: Any) -> Any:
    return text_arg(path).rsplit(">", 1)[-1].strip()
