"""Dates found in text as goflow's envs/dates.go parseDate: an ISO date at the start, else the env's
date order between ASCII word boundaries, so a date glued to text or to a time is not a date."""

from __future__ import annotations

import datetime as dt

import pytest

from upesi.excellent.env import Environment

from .support import run_case

NOW = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
YMD = Environment(date_format="YYYY-MM-DD", now_fn=lambda: NOW)
DMY = Environment(date_format="DD-MM-YYYY", now_fn=lambda: NOW)
MDY = Environment(date_format="MM-DD-YYYY", now_fn=lambda: NOW)


@pytest.mark.parametrize(
    ("text", "env", "date"),
    [
        # glued to text or a time: not a date (the issue)
        ("done,2025-05-04T10:00:00Z", YMD, None),
        ("done 2025-05-04T10:00:00Z", DMY, None),
        # a whole ISO datetime, an ISO date at the start, a date between boundaries
        ("2025-05-04T10:00:00Z", DMY, dt.date(2025, 5, 4)),
        ("2025-05-04 and more", DMY, dt.date(2025, 5, 4)),
        ("done,2025-05-04", YMD, dt.date(2025, 5, 4)),
        ("born 04-05-2025", DMY, dt.date(2025, 5, 4)),
        ("born 04-05-2025", MDY, dt.date(2025, 4, 5)),
        # the env's order only: a year-first date in the middle of DD-MM-YYYY text is not read
        ("done,2025-05-04", DMY, None),
        # two-digit years: above this year's last digits is last century
        ("on 04/05/26", DMY, dt.date(1926, 5, 4)),
        ("on 04/05/25", DMY, dt.date(2025, 5, 4)),
        # impossible dates are skipped for the next one
        ("31.02.2025 or 01.03.2025", DMY, dt.date(2025, 3, 1)),
    ],
)
def test_has_date(text: str, env: Environment, date: dt.date | None) -> None:
    passed, match = run_case("has_date", text, env=env)
    if date is None:
        assert not passed
    else:
        assert passed and match.astimezone(env.timezone).date() == date
