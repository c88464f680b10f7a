"""Number case tests: has_number and its comparisons."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import regex

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.types.convert import to_number, to_text
from upesi.excellent.types.values import XError

# goflow's altNumerals: Arabic-Indic, Eastern Arabic-Indic and Bengali digits read as ASCII digits
_DIGIT_MAP = {
    ord(c): str(i) for digits in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "০১২৩৪৫৬৭৮৯") for i, c in enumerate(digits)
}
_DECIMAL_RE = re.compile(r"-?(?:[0-9]+|[0-9]+\.[0-9]+|\.[0-9]+)")  # goflow's decimalRegexp (ASCII)
_MAX_DIGITS = 36
_patterns: dict[tuple[str, str], regex.Pattern[str]] = {}


def _number_pattern(grp: str, dec: str) -> regex.Pattern[str]:
    """goflow's numberPattern: number-like things for the environment's symbols (\\W is ASCII in Go)."""
    p = _patterns.get((grp, dec))
    if p is None:
        g, d = regex.escape(grp), regex.escape(dec)
        p = regex.compile(rf"[-+]?([\p{{N}}{g}]+({d}[\p{{N}}]+)?|([^0-9A-Za-z_]|^){d}[\p{{N}}]+)")
        _patterns[(grp, dec)] = p
    return p


def parse_number_text(value: str, grp: str, dec: str) -> Decimal | None:
    """goflow's cases.ParseNumber: drop grouping symbols, read the decimal symbol as ".", map other
    numerals, then parse strictly (no exponent, no +) within the engine's number range."""
    cleaned = value.strip()
    if grp:
        cleaned = cleaned.replace(grp, "")
    if not dec:
        return None  # goflow's replace of "" puts a "." between every character: nothing parses
    cleaned = cleaned.replace(dec, ".")
    cleaned = cleaned.translate(_DIGIT_MAP).strip()
    if not _DECIMAL_RE.fullmatch(cleaned):
        return None
    d = Decimal(cleaned)
    if d.is_zero():
        return abs(d)
    _sign, digits, exp = d.as_tuple()
    if len("".join(map(str, digits)).rstrip("0")) > _MAX_DIGITS:
        return None
    adjusted = int(exp) + len(digits) - 1
    if adjusted > 100 or adjusted < -100:
        return None
    return d


def find_numbers(env: Any, text: str) -> Iterator[Decimal]:
    """Every number-like thing in the text that parses, in order (goflow's testNumber loop)."""
    grp = getattr(env, "digit_grouping_symbol", ",")
    dec = getattr(env, "decimal_symbol", ".")
    for m in _number_pattern(grp, dec).finditer(text):
        n = parse_number_text(m.group(), grp, dec)
        if n is not None:
            yield n


def parse_fuzzy_number(env: Any, text: str) -> Decimal | None:
    """The first number in the text. "24ans" gives 24, "1,000" 1000 and "hi .51" 0.51."""
    return next(find_numbers(env, text), None)


def _number_test(env: Any, text: Any, pred: Any) -> Any:
    # as goflow: the first number in the text that passes, not the first number
    for n in find_numbers(env, to_text(text)):
        if pred(n):
            return true_result(n)
    return false_result()


@case_test("has_number", 1)
def has_number(env: Any, text: Any) -> Any:
    return _number_test(env, text, lambda n: True)


def _arg(v: Any) -> Decimal | XError:
    return to_number(v)


@case_test("has_number_between", 3)
def has_number_between(env: Any, text: Any, lo: Any, hi: Any) -> Any:
    a, b = _arg(lo), _arg(hi)
    if isinstance(a, XError):
        return a
    if isinstance(b, XError):
        return b
    return _number_test(env, text, lambda n: a <= n <= b)


def _cmp(name: str, pred: Any) -> None:
    @case_test(name, 2)
    def fn(env: Any, text: Any, other: Any) -> Any:
        o = _arg(other)
        if isinstance(o, XError):
            return o
        return _number_test(env, text, lambda n: pred(n, o))


_cmp("has_number_lt", lambda n, o: n < o)
_cmp("has_number_lte", lambda n, o: n <= o)
_cmp("has_number_eq", lambda n, o: n == o)
_cmp("has_number_gte", lambda n, o: n >= o)
_cmp("has_number_gt", lambda n, o: n > o)
