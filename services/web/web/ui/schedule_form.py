"""The schedule part of a form (scheduled broadcasts and schedule triggers): a start date and time in the
workspace's timezone and a repeat (once, daily, weekly on chosen days, monthly), turned into the
`schedule` JSON that mailroom's fire_schedules cron reads:

    {"start": "2026-12-01T07:00:00+00:00", "repeat_period": "W", "repeat_days_of_week": "MF",
     "next_fire": "2026-12-04T07:00:00+00:00"}

The first fire is computed with mailroom's own `next_fire`, so what the list shows as "next" is exactly
when mailroom will fire it, and a weekly schedule starting on a day not chosen first fires on a chosen one.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upesi.schedules import DAY_LETTERS, next_fire, parse

REPEATS = {"O": "Once", "D": "Daily", "W": "Weekly", "M": "Monthly"}
DAY_NAMES = dict(zip(DAY_LETTERS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


class ScheduleError(ValueError):
    """Bad schedule input; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{message}")
        self.field = field


@dataclass
class ScheduleInput:
    """What the form posted, kept as typed so a refused form can be shown again unchanged."""

    start_date: str = ""
    start_time: str = ""
    repeat_period: str = "O"
    repeat_days_of_week: list[str] = field(default_factory=list)

    @classmethod
    def from_schedule(cls, schedule: dict[str, Any], tz_name: str) -> "ScheduleInput":
        start = parse(schedule["start"]).astimezone(_zone(tz_name))
        return cls(
            start_date=start.strftime("%Y-%m-%d"),
            start_time=start.strftime("%H:%M"),
            repeat_period=schedule.get("repeat_period") or "O",
            repeat_days_of_week=list(schedule.get("repeat_days_of_week") or ""),
        )


def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def build_schedule(form: ScheduleInput, tz_name: str, now: datetime | None = None) -> dict[str, Any]:
    """The schedule JSON for the form's input, or ScheduleError naming the field at fault."""
    now = now or datetime.now(UTC)
    try:
        day = date.fromisoformat(form.start_date.strip())
    except ValueError:
        raise ScheduleError("start_date", "Start date: enter a date as YYYY-MM-DD.") from None
    try:
        at = time.fromisoformat(form.start_time.strip())
    except ValueError:
        raise ScheduleError("start_time", "Start time: enter a time as HH:MM.") from None
    period = form.repeat_period
    if period not in REPEATS:
        raise ScheduleError("repeat_period", "Repeat: choose once, daily, weekly or monthly.")
    days = "".join(d for d in DAY_LETTERS if d in {x.upper() for x in form.repeat_days_of_week})
    if period == "W" and not days:
        raise ScheduleError("repeat_days_of_week", "Repeat days: choose at least one day of the week.")
    start = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=_zone(tz_name)).astimezone(UTC)
    schedule: dict[str, Any] = {
        "start": start.isoformat(),
        "repeat_period": period,
        "repeat_days_of_week": days if period == "W" else None,
    }
    if period == "O":
        if start <= now:
            raise ScheduleError("start_date", "Start: a one-off schedule must be in the future.")
        first: datetime | None = start
    else:
        # the first occurrence at or after the start; a start in the past (an edited schedule) goes on from now
        first = next_fire(schedule, tz_name, max(start - timedelta(seconds=1), now))
    schedule["next_fire"] = first.astimezone(UTC).isoformat() if first else None
    return schedule


def describe(schedule: dict[str, Any] | None, tz_name: str) -> str:
    """'Once', 'Every day at 09:00', 'Every week on Mon, Fri at 09:00', 'Every month on day 31 at 09:00'."""
    if not schedule or not schedule.get("start"):
        return ""
    start = parse(schedule["start"]).astimezone(_zone(tz_name))
    at = start.strftime("%H:%M")
    period = schedule.get("repeat_period") or "O"
    if period == "D":
        return f"Every day at {at}"
    if period == "W":
        names = ", ".join(DAY_NAMES[d] for d in schedule.get("repeat_days_of_week") or "" if d in DAY_NAMES)
        return f"Every week on {names} at {at}"
    if period == "M":
        return f"Every month on day {start.day} at {at}"
    return f"Once, {start.strftime('%Y-%m-%d')} at {at}"


def next_fire_local(schedule: dict[str, Any] | None, tz_name: str) -> str:
    """When mailroom fires it next, in the workspace's time ('' once spent)."""
    if not schedule:
        return ""
    value = schedule.get("next_fire") if "next_fire" in schedule else schedule.get("start")
    if not value:
        return ""
    return parse(value).astimezone(_zone(tz_name)).strftime("%Y-%m-%d %H:%M")
