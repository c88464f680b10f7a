"""Number case tests: has_number and its comparisons."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from upesi.excellent.functions.words import tokenize_words
from upesi.excellent.types.convert import to_number, to_text
from upesi.excellent.types.values import XError
from upesi.flows.cases.registry import case_test, false_result, true_result

_DIGIT_MAP = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")} | {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_NUM_PREFIX_RE = re.compile(r"^[-+]?(\d+(?:[.,]\d+)*|\.\d+)")


def parse_fuzzy_number(env: Any, text: str) -> Decimal | None:
    """The first number in the text: words like "24ans" give 24; grouping separators are dropped."""
    dec = getattr(env, "decimal_symbol", ".") or "."
    grp = getattr(env, "digit_grouping_symbol", ",") or ","
    for word in tokenize_words(text.translate(_DIGIT_MAP)) + ([text.strip()] if text.strip().startswith((".", "-")) else []):
        w = word.translate(_DIGIT_MAP)
        m = _NUM_PREFIX_RE.match(w)
        if not m:
            continue
        s = m.group(0)
        s = s.replace(grp, "") if grp else s
        if dec != ".":
            s = s.replace(dec, ".")
        try:
            return Decimal(s)
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
    n = to_number(v)
    if isinstance(n, XError):
        return XError(f"unable to convert {to_text(v)!r} to a number".replace("'", '"'))
    return n


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
