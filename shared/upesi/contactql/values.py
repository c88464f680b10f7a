"""Value conversions shared by the SQL translation and the Python evaluator, so both read a query's
values (numbers, days, name tokens, location names) the same way."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

# plain decimals only: no exponents, no inf/nan (an unbounded exponent is a cheap denial of service)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_number(value: str) -> Decimal | None:
    value = value.strip()
    if not _NUMBER.match(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex already rules these out
        return None


def as_decimal(value: object) -> Decimal | None:
    """A stored number (JSON int, float or numeric string) as a Decimal, None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_DATE = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T].*)?$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # two-digit years: 00-69 are this century, as most date pickers assume
        year += 2000 if year < 70 else 1900
    return year


def parse_day(value: str, date_format: str) -> date | None:
    """A day written as the workspace writes dates (D day-first, M month-first, Y year-first); a value
    starting with a four-digit year is always read as year-month-day. A time part is ignored because
    conditions compare whole days."""
    m = _DATE.match(value.strip())
    if not m:
        return None
    a, b, c = m.groups()
    try:
        if len(a) == 4 or (date_format == "Y" and len(c) <= 2):
            return date(_year(a), int(b), int(c))
        if len(a) > 2:
            return None
        if date_format == "M":
            return date(_year(c), int(a), int(b))
        return date(_year(c), int(b), int(a))
    except ValueError:
        return None


def day_range(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a day in the workspace timezone, as aware datetimes (DST-safe: both ends are
    local midnights, not start + 24h)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


# stored datetimes are ISO 8601; anything else reads as "not set" (in SQL too, see sql.py)
ISO_DATE_PREFIX = r"^\d{4}-\d{2}-\d{2}"


def parse_datetime(value: object) -> datetime | None:
    """A stored datetime (ISO string or datetime) as an aware datetime; naive values are taken as UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo("UTC"))


# Name tokens are split on whitespace and ASCII punctuation (but not "_"). The class is spelled out
# rather than using \w or [[:punct:]] so that Python and Postgres agree whatever the database locale.
NAME_SEPARATORS = " \t\n\r\f\v!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^`{|}~"
_NAME_SPLIT = re.compile(f"[{NAME_SEPARATORS}]+")
MIN_NAME_TOKEN = 2
MAX_NAME_TOKEN = 8  # RapidPro indexes name prefixes up to 8 characters, so longer query tokens are cut


def name_tokens(value: str) -> list[str]:
    return [t for t in _NAME_SPLIT.split(value.lower()) if len(t) >= MIN_NAME_TOKEN]


def name_query_tokens(value: str) -> list[str]:
    return [t[:MAX_NAME_TOKEN] for t in name_tokens(value)]


def location_name(path: str) -> str:
    """The name at a location value's own level: "Rwanda > Kigali City" -> "Kigali City"."""
    return path.rsplit(" > ", 1)[-1]


def norm_text(value: str) -> str:
    """Text equality is case-insensitive and ignores surrounding whitespace."""
    return value.strip().lower()
