"""Date/time parsing and formatting the way goflow does it.

Text is parsed as a full ISO 8601 datetime if it is one; otherwise a date is looked for in the
environment's date order (DD-MM-YYYY, MM-DD-YYYY or YYYY-MM-DD) with an optional time after it,
and the result is placed in the environment's timezone.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upesi.excellent.types.convert import describe
from upesi.excellent.types.values import XError, XObject

_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})\s*$", re.I
)
_TIME_RE = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:\s*([aApP][mM]))?(?!\d)")


def _two_digit_year(y: int) -> int:
    return y + 2000 if y < 50 else y + 1900


def _tz_of(v: dt.datetime) -> dt.tzinfo:
    return v.tzinfo or dt.UTC


def parse_iso(text: str) -> dt.datetime | None:
    m = _ISO_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    us = int((frac or "0")[:6].ljust(6, "0"))
    if tz.upper() == "Z":
        tzinfo: dt.tzinfo = dt.UTC
    else:
        digits = tz[1:].replace(":", "")
        off = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tzinfo = dt.timezone(off if tz[0] == "+" else -off)
    try:
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), us, tzinfo=tzinfo)
    except ValueError:
        return None


# goflow's envs/dates.go patterns; Go's \b is an ASCII word boundary, so a date glued to letters or
# digits ("2025-05-04T10:00" inside "done,2025-05-04T10:00:00Z") is not a date
_SEP = r"[-.\\/_ ]"
_DATE_PATTERNS = {
    "DD": (
        re.compile(rf"\b([0-9]{{1,2}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{4}}|[0-9]{{2}})\b", re.ASCII),
        (1, 2, 3),
    ),
    "MM": (
        re.compile(rf"\b([0-9]{{1,2}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{4}}|[0-9]{{2}})\b", re.ASCII),
        (2, 1, 3),
    ),
    "YY": (
        re.compile(rf"\b([0-9]{{4}}|[0-9]{{2}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{1,2}})\b", re.ASCII),
        (3, 2, 1),
    ),
}
_ISO_DATE_PREFIX_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def find_date(env: Any, text: str) -> tuple[dt.date, int] | None:
    """The first date in the text, as goflow's parseDate: an ISO date at the very start, else the first
    believable date in the env's date order; returns it and where it ends."""
    start = len(text) - len(text.lstrip(" \n\r\t"))
    head = text[start : start + 10]
    if _ISO_DATE_PREFIX_RE.fullmatch(head):
        try:
            return dt.date(int(head[:4]), int(head[5:7]), int(head[8:10])), start + 10
        except ValueError:
            pass
    fmt = (getattr(env, "date_format", "YYYY-MM-DD") or "YYYY-MM-DD").upper()[:2]
    if fmt not in _DATE_PATTERNS:
        return None
    pattern, (di, mi, yi) = _DATE_PATTERNS[fmt]
    now_fn = getattr(env, "now", None)
    current_year = (now_fn() if callable(now_fn) else dt.datetime.now(dt.UTC)).year
    for m in pattern.finditer(text):
        ys, month, day = m.group(yi), int(m.group(mi)), int(m.group(di))
        year = int(ys)
        if len(ys) == 2:
            # goflow's rule: above this year's last digits (modulo 1000) is last century
            year += 1900 if year > current_year % 1000 else 2000
        if not (1 <= day <= 31 and 1 <= month <= 12) or year < 1000:
            continue
        try:
            return dt.date(year, month, day), m.end()
        except ValueError:
            continue
    return None


def find_time(text: str) -> dt.time | None:
    m = _TIME_RE.search(text)
    if not m:
        return None
    h, mi, s, frac, ampm = m.groups()
    hour, minute = int(h), int(mi)
    if ampm:
        if hour < 1 or hour > 12:
            return None
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    us = int((frac or "0")[:6].ljust(6, "0"))
    try:
        return dt.time(hour, minute, int(s or 0), us)
    except ValueError:
        return None


def parse_datetime_text(env: Any, text: str, fill_time: dt.time | None = None) -> dt.datetime | None:
    v = parse_iso(text)
    if v is not None:
        return v
    found = find_date(env, text)
    if found is None:
        return None
    d, end = found
    t = find_time(text[end:])
    if t is None:
        t = fill_time or dt.time(0, 0)
    tz = getattr(env, "timezone", dt.UTC)
    return dt.datetime.combine(d, t).replace(tzinfo=tz)


def to_datetime(env: Any, v: Any) -> dt.datetime | XError:
    if isinstance(v, XError):
        return v
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time(0)).replace(tzinfo=env.timezone)
    if isinstance(v, XObject) and v.has_default:
        return to_datetime(env, v.default)
    if isinstance(v, str):
        r = parse_datetime_text(env, v)
        if r is not None:
            return r
    return XError(f"unable to convert {describe(v)} to a datetime")


def to_date(env: Any, v: Any) -> dt.date | XError:
    if isinstance(v, XError):
        return v
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, XObject) and v.has_default:
        return to_date(env, v.default)
    if isinstance(v, str):
        iso = parse_iso(v)
        if iso is not None:
            return iso.date()
        found = find_date(env, v)
        if found is not None:
            return found[0]
    return XError(f"unable to convert {describe(v)} to a date")


def to_time(env: Any, v: Any) -> dt.time | XError:
    if isinstance(v, XError):
        return v
    if isinstance(v, dt.datetime):
        return v.timetz().replace(tzinfo=None)
    if isinstance(v, dt.time):
        return v
    if isinstance(v, XObject) and v.has_default:
        return to_time(env, v.default)
    if isinstance(v, str):
        iso = parse_iso(v)
        if iso is not None:
            return iso.time()
        t = find_time(v)
        if t is not None:
            return t
    if isinstance(v, Decimal) and 0 <= v < 24 and v == v.to_integral_value():
        return dt.time(int(v))
    return XError(f"unable to convert {describe(v)} to a time")


def load_timezone(name: str) -> dt.tzinfo | None:
    if name.upper() == "UTC":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# -- layouts (goflow's YYYY-MM-DD tt:mm style formats) --

_TOKENS = [
    "YYYY", "YY", "MMMM", "MMM", "MM", "M", "DD", "D", "EEEE", "EEE", "fffffffff", "ffffff", "fff",
    "hh", "h", "tt", "mm", "m", "ss", "s", "aa", "AA", "ZZZ", "Z",
]  # fmt: skip
_SEPARATORS = set(" :/.-T,")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DATE_TOKENS = {"YYYY", "YY", "MMMM", "MMM", "MM", "M", "DD", "D", "EEEE", "EEE"}
TIME_TOKENS = {"fffffffff", "ffffff", "fff", "hh", "h", "tt", "mm", "m", "ss", "s", "aa", "AA"}


@lru_cache(maxsize=512)
def tokenize_layout(layout: str, allowed: frozenset[str] | None = None) -> list[str] | None:
    """Split a layout into tokens and literal separators; None if it has anything else."""
    out: list[str] = []
    i = 0
    while i < len(layout):
        for tok in _TOKENS:
            if layout.startswith(tok, i):
                if allowed is not None and tok not in allowed:
                    return None
                out.append(tok)
                i += len(tok)
                break
        else:
            c = layout[i]
            if c in _SEPARATORS:
                out.append(c)
                i += 1
            else:
                return None
    return out


def _offset(v: dt.datetime, zulu: bool) -> str:
    off = v.utcoffset() or dt.timedelta(0)
    if zulu and off == dt.timedelta(0):
        return "Z"
    secs = int(off.total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return f"{sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}"


def format_layout(v: dt.datetime | dt.date | dt.time, tokens: list[str]) -> str:
    out = []
    for t in tokens:
        if t == "YYYY":
            out.append(f"{v.year:04d}")  # type: ignore[union-attr]
        elif t == "YY":
            out.append(f"{v.year % 100:02d}")  # type: ignore[union-attr]
        elif t == "MMMM":
            out.append(_MONTHS[v.month - 1])  # type: ignore[union-attr]
        elif t == "MMM":
            out.append(_MONTHS[v.month - 1][:3])  # type: ignore[union-attr]
        elif t == "MM":
            out.append(f"{v.month:02d}")  # type: ignore[union-attr]
        elif t == "M":
            out.append(str(v.month))  # type: ignore[union-attr]
        elif t == "DD":
            out.append(f"{v.day:02d}")  # type: ignore[union-attr]
        elif t == "D":
            out.append(str(v.day))  # type: ignore[union-attr]
        elif t == "EEEE":
            out.append(_DAYS[v.weekday()])  # type: ignore[union-attr]
        elif t == "EEE":
            out.append(_DAYS[v.weekday()][:3])  # type: ignore[union-attr]
        elif t == "tt":
            out.append(f"{v.hour:02d}")  # type: ignore[union-attr]
        elif t == "hh":
            out.append(f"{(v.hour % 12) or 12:02d}")  # type: ignore[union-attr]
        elif t == "h":
            out.append(str((v.hour % 12) or 12))  # type: ignore[union-attr]
        elif t == "mm":
            out.append(f"{v.minute:02d}")  # type: ignore[union-attr]
        elif t == "m":
            out.append(str(v.minute))  # type: ignore[union-attr]
        elif t == "ss":
            out.append(f"{v.second:02d}")  # type: ignore[union-attr]
        elif t == "s":
            out.append(str(v.second))  # type: ignore[union-attr]
        elif t == "fff":
            out.append(f"{v.microsecond // 1000:03d}")  # type: ignore[union-attr]
        elif t == "ffffff":
            out.append(f"{v.microsecond:06d}")  # type: ignore[union-attr]
        elif t == "fffffffff":
            out.append(f"{v.microsecond:06d}000")  # type: ignore[union-attr]
        elif t == "aa":
            out.append("am" if v.hour < 12 else "pm")  # type: ignore[union-attr]
        elif t == "AA":
            out.append("AM" if v.hour < 12 else "PM")  # type: ignore[union-attr]
        elif t == "Z":
            out.append(_offset(v, True))  # type: ignore[arg-type]
        elif t == "ZZZ":
            out.append(_offset(v, False))  # type: ignore[arg-type]
        else:
            out.append(t)
    return "".join(out)


_TOKEN_PATTERNS = {
    "YYYY": r"(?P<Y4>\d{4})", "YY": r"(?P<Y2>\d{2})", "MM": r"(?P<MO>\d{2})", "M": r"(?P<MO>\d{1,2})",
    "DD": r"(?P<D>\d{2})", "D": r"(?P<D>\d{1,2})", "tt": r"(?P<H24>\d{2})", "hh": r"(?P<H12>\d{2})",
    "h": r"(?P<H12>\d{1,2})", "mm": r"(?P<MI>\d{2})", "m": r"(?P<MI>\d{1,2})",
    "ss": r"(?P<S>\d{2})(?:\.(?P<F>\d{1,9}))?", "s": r"(?P<S>\d{1,2})(?:\.(?P<F>\d{1,9}))?",
    "fff": r"(?P<F>\d{1,9})", "ffffff": r"(?P<F>\d{1,9})", "fffffffff": r"(?P<F>\d{1,9})",
    "aa": r"(?P<AP>am|pm)", "AA": r"(?P<AP>AM|PM)", "Z": r"(?P<Z>Z|[+-]\d{2}:\d{2})",
    "ZZZ": r"(?P<Z>Z|[+-]\d{2}:\d{2})",
}  # fmt: skip


@lru_cache(maxsize=512)
def _layout_regex(tokens: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    has_fraction_token = any(t.startswith("f") for t in tokens)
    for t in tokens:
        if t in ("ss", "s") and has_fraction_token:
            parts.append(r"(?P<S>\d{2})" if t == "ss" else r"(?P<S>\d{1,2})")
        elif t in _TOKEN_PATTERNS:
            parts.append(_TOKEN_PATTERNS[t])
        else:
            parts.append(re.escape(t))
    try:
        return re.compile("^" + "".join(parts) + "$")
    except re.error:  # a layout repeating a field
        return None


def parse_layout(text: str, tokens: list[str], tz: dt.tzinfo) -> dt.datetime | None:
    rx = _layout_regex(tuple(tokens))
    if rx is None:
        return None
    m = rx.match(text.strip())
    if not m:
        return None
    g = m.groupdict()
    year = int(g["Y4"]) if g.get("Y4") else (_two_digit_year(int(g["Y2"])) if g.get("Y2") else 1)
    month = int(g.get("MO") or 1)
    day = int(g.get("D") or 1)
    hour = int(g.get("H24") or 0)
    if g.get("H12"):
        hour = int(g["H12"]) % 12
        if (g.get("AP") or "").lower() == "pm":
            hour += 12
    elif g.get("AP") and (g["AP"].lower() == "pm") and hour < 12:
        hour += 12
    minute = int(g.get("MI") or 0)
    second = int(g.get("S") or 0)
    us = int((g.get("F") or "0")[:6].ljust(6, "0"))
    try:
        if g.get("Z"):
            z = g["Z"]
            if z == "Z":
                tzinfo: dt.tzinfo = dt.UTC
            else:
                off = dt.timedelta(hours=int(z[1:3]), minutes=int(z[4:6]))
                tzinfo = dt.timezone(off if z[0] == "+" else -off)
            return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=tzinfo).astimezone(tz)
        return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=tz)
    except ValueError:
        return None
