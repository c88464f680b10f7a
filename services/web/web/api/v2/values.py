"""Value formats shared by every endpoint: datetimes, booleans, UUIDs, references."""

import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as dateparser


def fmt_dt(value: datetime | None) -> str | None:
    """RapidPro's UTC format with microseconds and a Z."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:
        # strftime's %Y does not pad years before 1000 (glibc); isoformat would: keep the old answer
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # isoformat is a fifth cheaper than strftime, and pages format thousands (asyncpg's datetimes are in UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_dt(value: str) -> datetime | None:
    """An ISO 8601 string as an aware datetime (naive means UTC), None when it does not parse."""
    try:
        parsed = dateparser.isoparse(value.strip().replace(" ", "+"))
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_bool(value: Any) -> bool | None:
    """true/false/1/0 as DRF's BooleanField takes them (rapidpro-python sends 1/0); None if neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "on", "t", "y"):
            return True
        if lowered in ("false", "0", "no", "off", "f", "n"):
            return False
    return None


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def ref(obj: Any) -> dict[str, Any] | None:
    """The {uuid, name} reference most shapes use for related objects."""
    if obj is None:
        return None
    return {"uuid": str(obj.uuid), "name": obj.name}


def new_uuid() -> str:
    return str(uuidlib.uuid4())
