"""Conversions between Excellent values: rendering to text, truthiness, numbers, JSON, description."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

import orjson

from upesi.excellent.types.values import XError, XFunction, XLambda, XObject

# goflow rejects numbers with an absolute value this big (its decimals are bounded)
MAX_NUMBER = Decimal("1E+36")
_NUM_CTX = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP)


def format_decimal(d: Decimal) -> str:
    """Render a number the way goflow does: plain notation, no trailing zeros."""
    if d == 0:
        return "0"
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


# "YYYY-MM-DDTHH:MM:" of UTC times by their minute: an engine sprint stamps every event, step and segment,
# mostly within the same minute, and formatting a datetime costs more than looking up its minute and
# appending the seconds from tables
_minute_prefixes: dict[int, str] = {}
_TWO_DIGITS = [f"{i:02d}" for i in range(62)]
_THREE_DIGITS = [f"{i:03d}" for i in range(1000)]


def format_datetime_iso(v: dt.datetime) -> str:
    if v.tzinfo is dt.UTC:
        minute = v.toordinal() * 1440 + v.hour * 60 + v.minute
        prefix = _minute_prefixes.get(minute)
        if prefix is None and v.year >= 1000:  # strftime doesn't zero-pad earlier years: left to it below
            if len(_minute_prefixes) >= 10_000:
                _minute_prefixes.clear()
            prefix = _minute_prefixes[minute] = v.strftime("%Y-%m-%dT%H:%M:")
        if prefix is not None:
            us = v.microsecond
            return f"{prefix}{_TWO_DIGITS[v.second]}.{_THREE_DIGITS[us // 1000]}{_THREE_DIGITS[us % 1000]}Z"
    s = v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond:06d}"
    off = v.utcoffset()
    if off is None or (off == dt.timedelta(0) and _is_utc(v)):
        return s + "Z"
    return s + _format_offset(off)


def _is_utc(v: dt.datetime) -> bool:
    tz = v.tzinfo
    name = getattr(tz, "key", None) or (tz.tzname(v) if tz else "UTC")
    return name in ("UTC", "Etc/UTC", "Z", "GMT", "UTC+00:00") or tz is dt.UTC


def _format_offset(off: dt.timedelta) -> str:
    secs = int(off.total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return f"{sign}{secs // 3600:02d}:{(secs % 3600) // 60:02d}"


def format_time(v: dt.time) -> str:
    return f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"


def to_text(v: Any) -> str:
    """Stringify a value (the & operator, text(), template output). Nil is ""."""
    # exact types first (a dict lookup instead of a chain of isinstance checks: this renders every template
    # item); subclasses and the rest go down the chain
    t = type(v)
    if t is str:
        return v
    by_type = _TEXT_BY_TYPE.get(t)
    if by_type is not None:
        return by_type(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format_decimal(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return format_datetime_iso(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return format_time(v)
    if isinstance(v, list):
        return "[" + ", ".join(to_text(i) for i in v) + "]"
    if isinstance(v, XObject):
        if v.has_default:
            return to_text(v.default)
        return "{" + ", ".join(f"{k}: {to_text(val)}" for k, val in sorted(v.items(), key=_sort_key)) + "}"
    if isinstance(v, XFunction):
        return v.name
    if isinstance(v, XLambda):
        return "<anon>"
    if isinstance(v, XError):
        return ""
    return str(v)


_TEXT_BY_TYPE: dict[type, Any] = {
    bool: lambda v: "true" if v else "false",
    Decimal: format_decimal,
    int: str,
    dt.datetime: format_datetime_iso,
    dt.date: dt.date.isoformat,
    dt.time: format_time,
}


def _sort_key(kv: tuple[str, Any]) -> str:
    return kv[0]


def describe(v: Any) -> str:
    """How a value is named in error messages ("bar" quoted, numbers bare, null)."""
    if v is None:
        return "null"
    if isinstance(v, str):
        return orjson.dumps(v).decode()
    if isinstance(v, bool | Decimal | int):
        return to_text(v)
    if isinstance(v, list):
        return "array"
    if isinstance(v, XObject):
        return "object"
    if isinstance(v, XFunction | XLambda):
        return "function"
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return to_text(v)
    return to_text(v)


def truthy(v: Any) -> bool:
    if v is None or isinstance(v, XError):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v != "" and v.lower() != "false"
    if isinstance(v, Decimal | int):
        return v != 0
    if isinstance(v, list):
        return len(v) > 0
    if isinstance(v, dt.time) and not isinstance(v, dt.datetime):
        return v != dt.time(0)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v != dt.date(1, 1, 1)
    if isinstance(v, XObject):
        if v.has_default:
            return truthy(v.default)
        return len(v) > 0
    return True


def parse_number(s: str) -> Decimal | None:
    """Strict decimal parse of text (goflow accepts plain decimals, no thousands separators)."""
    s = s.strip()
    if not s:
        return None
    try:
        d = Decimal(s)
    except decimal.InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return d


def to_number(v: Any) -> Decimal | XError:
    if isinstance(v, XError):
        return v
    if isinstance(v, bool):
        return XError(f"unable to convert {describe(v)} to a number")
    if isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        d = parse_number(v)
        if d is not None:
            return d
    if isinstance(v, XObject) and v.has_default:
        return to_number(v.default)
    return XError(f"unable to convert {describe(v)} to a number")


def to_integer(v: Any) -> int | XError:
    n = to_number(v)
    if isinstance(n, XError):
        return n
    return int(n)


def check_number(d: Decimal) -> Decimal | XError:
    if abs(d) >= MAX_NUMBER:
        return XError("number value out of range")
    return d


def to_json_value(v: Any) -> Any:
    """Convert to plain JSON-able Python (dicts sorted by key, numbers as Decimal kept for precision)."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, Decimal | int):
        return v
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return to_text(v)
    if isinstance(v, list):
        return [to_json_value(i) for i in v]
    if isinstance(v, XObject):
        return {k: to_json_value(val) for k, val in sorted(v.items(), key=_sort_key)}
    return None


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return _RawNumber(format_decimal(o))
    raise TypeError


class _RawNumber(str):
    pass


def to_json_text(v: Any) -> str:
    """Serialise compactly like goflow's jsonx (no spaces, no HTML escaping, decimal numbers verbatim)."""
    return _dump(to_json_value(v))


def _dump(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Decimal):
        return format_decimal(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return orjson.dumps(v).decode()
    if isinstance(v, list):
        return "[" + ",".join(_dump(i) for i in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(orjson.dumps(k).decode() + ":" + _dump(val) for k, val in v.items()) + "}"
    return "null"


def from_json(v: Any) -> Any:
    """Convert parsed JSON (numbers as float/int) to Excellent values."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, list):
        return [from_json(i) for i in v]
    if isinstance(v, dict):
        return XObject({k: from_json(val) for k, val in v.items()})
    return v


def equals(a: Any, b: Any) -> bool:
    """The = operator: compare by type; numbers numerically, datetimes by instant, text case-sensitively."""
    if isinstance(a, XObject) and a.has_default:
        a = a.default
    if isinstance(b, XObject) and b.has_default:
        b = b.default
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Decimal | int) and isinstance(b, Decimal | int):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    if type(a) is type(b):
        return a == b
    # mixed types: compare via text rendering (goflow converts to text for mixed comparisons)
    if isinstance(a, Decimal | int) or isinstance(b, Decimal | int):
        na, nb = to_number(a), to_number(b)
        if not isinstance(na, XError) and not isinstance(nb, XError):
            return na == nb
    return to_text(a) == to_text(b)
