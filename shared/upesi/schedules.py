"""Broadcast schedules: when a scheduled broadcast fires next.

A broadcast's `schedule` JSON:

    {"start": "2026-12-01T09:00:00Z", "repeat_period": "W", "repeat_days_of_week": "MWF",
     "next_fire": "2026-12-02T09:00:00+00:00"}

repeat_period: O once, D daily, W weekly (on repeat_days_of_week, letters M T W R F S U), M monthly (on
the start's day of the month, or the month's last day when shorter). Repeats keep the start's time of
day in the workspace's timezone. Without next_fire the first fire is the start; a next_fire of null
means the schedule is spent.
"""

import calendar
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY_LETTERS = "MTWRFSU"  # Monday first, as datetime.weekday()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def next_fire(schedule: dict[str, Any], tz_name: str, after: datetime) -> datetime | None:
    """The first fire strictly after `after`, or None for a one-off (or a weekly schedule with no days)."""
    period = schedule.get("repeat_period") or "O"
    if period == "O":
        return None
    tz = ZoneInfo(tz_name or "UTC")
    start = parse(schedule["start"]).astimezone(tz)
    local_after = after.astimezone(tz)
    at = (start.hour, start.minute)

    def on(day: datetime) -> datetime:
        return day.replace(hour=at[0], minute=at[1], second=0, microsecond=0)

    if period == "D":
        candidate = on(local_after)
        return candidate if candidate > local_after else on(local_after + timedelta(days=1))
    if period == "W":
        days = {
            DAY_LETTERS.index(d)
            for d in (schedule.get("repeat_days_of_week") or "").upper()
            if d in DAY_LETTERS
        }
        for i in range(8):
            candidate = on(local_after + timedelta(days=i))
            if candidate.weekday() in days and candidate > local_after:
                return candidate
        return None
    if period == "M":
        year, month = local_after.year, local_after.month
        for _ in range(3):
            day = min(start.day, calendar.monthrange(year, month)[1])
            candidate = on(local_after.replace(year=year, month=month, day=day))
            if candidate > local_after:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
