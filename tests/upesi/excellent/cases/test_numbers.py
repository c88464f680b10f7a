"""Number case tests: every number in the text is tried until one passes (goflow's testNumber).

Vectors from goflow's flows/routers/cases/tests_test.go and the issue.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from upesi.excellent.env import Environment

from .support import run_case

DMY = Environment(date_format="DD-MM-YYYY")
EUR = Environment(decimal_symbol=",", digit_grouping_symbol=".")


@pytest.mark.parametrize(
    ("test", "args", "env", "expected"),
    [
        # goflow tests_test.go
        ("has_number", ["the number 10"], DMY, "10"),
        ("has_number", ["the number -10"], DMY, "-10"),
        ("has_number", ["1-15"], DMY, "1"),
        ("has_number", ["24ans"], DMY, "24"),
        ("has_number", ["J'AI 20ANS"], DMY, "20"),
        ("has_number", ["1,000,000"], DMY, "1000000"),
        ("has_number", ["O número é 500"], DMY, "500"),
        ("has_number", ["another is -12.51"], DMY, "-12.51"),
        ("has_number", ["hi.51"], DMY, "51"),
        ("has_number", ["hi .51"], DMY, "0.51"),
        ("has_number", [".51"], DMY, "0.51"),
        ("has_number", ["١٢٣٤"], DMY, "1234"),
        ("has_number", ["۱۲۳۴"], DMY, "1234"),
        ("has_number", ["٠.٥"], DMY, "0.5"),
        ("has_number", ["nothing here"], DMY, None),
        ("has_number", ["lOO"], DMY, None),
        ("has_number_lt", ["the number 10", "11"], DMY, "10"),
        ("has_number_lt", ["too big 15", "12"], DMY, None),
        ("has_number_eq", ["wrong .51", ".61"], DMY, None),
        ("has_number_gte", ["too small -12", "-11"], DMY, None),
        ("has_number_gt", ["not great -12.51", "-12.51"], DMY, None),
        ("has_number_between", ["the number 10", "8", "12"], DMY, "10"),
        ("has_number_between", ["24ans", Decimal(20), Decimal(24)], DMY, "24"),
        # the issue: the first number that passes wins, not the first number
        ("has_number_between", ["I am 30, I give it 4", "1", "5"], DMY, "4"),
        ("has_number_lt", ["15 or maybe 3", "10"], DMY, "3"),
        ("has_number_eq", ["1 2 3", "3"], DMY, "3"),
        ("has_number_gt", ["-5, 0, 7", "6"], DMY, "7"),
        # Bengali digits, and a European number format
        ("has_number", ["৪২"], DMY, "42"),
        ("has_number", ["1.234,5"], EUR, "1234.5"),
        # a leading + is not a number's (goflow's strict decimal): a phone number has no number part
        ("has_number", ["+250788123456"], DMY, None),
        ("has_number", ["call +250788123456 or 7"], DMY, "7"),
        # no exponents: 1e5 is the number 1, then 5
        ("has_number_gt", ["1e5", "2"], DMY, "5"),
    ],
)
def test_number_tests(test: str, args: list[object], env: Environment, expected: str | None) -> None:
    passed, match = run_case(test, *args, env=env)
    if expected is None:
        assert not passed
    else:
        assert passed and match == Decimal(expected)
