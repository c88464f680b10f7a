"""Number case tests: has_number and its comparisons."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.types.convert import to_number, to_text
from upesi.excellent.types.values import XError

# Arabic-Indic and Extended Arabic-Indic digits read as ASCII digits
_DIGIT_MAP = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")} | {
    ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")
}
_LEADING_RE = re.compile(r"^[-+]?(?:\d+(?:\.\d+)?|\.\d+)")
_INNER_RE = re.compile(r"\d+(?:\.\d+)?")


def parse_fuzzy_number(env: Any, text: str) -> Decimal | None:
    """The first number in the text. "24ans" gives 24, "1,000" 1000 and "hi .51" 0.51.

    The env's grouping symbol is dropped and its decimal symbol read as "." before looking.
    """
    dec = getattr(env, "decimal_symbol", ".")
    grp = getattr(env, "digit_grouping_symbol", ",")
    if not dec:
        return None
    text = text.translate(_DIGIT_MAP)
    if grp:
        text = text.replace(grp, "")
    if dec != ".":
        text = text.replace(".", "\x00").replace(dec, ".")
    for chunk in text.split():
        m = _LEADING_RE.match(chunk) or _INNER_RE.search(chunk)
        if m is None:
            continue
        try:
            return Decimal(m.group(0))
        except InvalidOperation:
            continue
    return None


def _number_test(env: Any, text: Any, pred: Any) -> Any:
    n = parse_fuzzy_number(env, to_text(text))
    if n is None or not pred(n):
        return false_result()
    return true_result(n)


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
