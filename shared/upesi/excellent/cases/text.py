"""Text case tests: words, phrases, beginnings, patterns."""

from __future__ import annotations

import unicodedata
from typing import Any

import regex

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.functions.words import tokenize_words
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import XError, XObject

# goflow's envs/collate.go: with input_collation "arabic_variants", text is NFKC-normalised and
# Arabic variants (digits, yeh, kaf, alef with madda, Pashto letters) compare equal to the Farsi forms
_ARABIC_VARIANTS = str.maketrans(
    {
        "٠": "۰", "١": "۱", "٢": "۲", "٣": "۳", "٤": "۴", "٥": "۵", "٦": "۶", "٧": "۷", "٨": "۸", "٩": "۹",
        "آ": "ا", "ى": "ی", "ي": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ك": "ک", "ګ": "ک", "ټ": "ت", "ډ": "د",
        "ړ": "ر", "ڼ": "ن", "ښ": "ش",
    }
)  # fmt: skip


def _fold(env: Any, w: str) -> str:
    if getattr(env, "input_collation", "default") == "arabic_variants":
        return unicodedata.normalize("NFKC", w).translate(_ARABIC_VARIANTS).lower()
    return w.lower()


def _tokens(env: Any, text: Any, test: Any) -> tuple[list[str], list[str], list[str]]:
    """(input words, their folded forms, folded test words), as goflow's testTextTokens."""
    hays = tokenize_words(to_text(text).strip())
    pins = [_fold(env, w) for w in tokenize_words(to_text(test).strip())]
    return hays, [_fold(env, w) for w in hays], pins


@case_test("has_text", 1)
def has_text(env: Any, text: Any) -> Any:
    t = to_text(text)
    return true_result(t.strip()) if t.strip() else false_result()


@case_test("has_value", 1)
def has_value(env: Any, text: Any) -> Any:
    return has_text(env, text)


@case_test("has_any_word", 2)
def has_any_word(env: Any, text: Any, words: Any) -> Any:
    hays, folded, pins = _tokens(env, text, words)
    pin_set = set(pins)
    matched = [h for h, f in zip(hays, folded, strict=True) if f in pin_set]
    return true_result(" ".join(matched)) if matched else false_result()


@case_test("has_all_words", 2)
def has_all_words(env: Any, text: Any, words: Any) -> Any:
    # as goflow: no test words at all is a match (of nothing)
    hays, folded, pins = _tokens(env, text, words)
    if any(p not in folded for p in pins):
        return false_result()
    pin_set = set(pins)
    return true_result(" ".join(h for h, f in zip(hays, folded, strict=True) if f in pin_set))


@case_test("has_phrase", 2)
def has_phrase(env: Any, text: Any, phrase: Any) -> Any:
    hays, folded, pins = _tokens(env, text, phrase)
    if not pins:
        return true_result("")
    # goflow's scan: a mismatch restarts the phrase at the next word without retrying this one
    # against the phrase's first word ("a a b" has no phrase "a b"); kept for parity
    at = 0
    matches: list[str] = []
    for h, f in zip(hays, folded, strict=True):
        if f == pins[at]:
            matches.append(h)
            at += 1
            if at == len(pins):
                return true_result(" ".join(matches))
        else:
            at = 0
            matches = []
    return false_result()


@case_test("has_only_phrase", 2)
def has_only_phrase(env: Any, text: Any, phrase: Any) -> Any:
    hays, folded, pins = _tokens(env, text, phrase)
    if folded != pins:
        return false_result()
    return true_result(" ".join(hays))


@case_test("has_only_text", 2)
def has_only_text(env: Any, a: Any, b: Any) -> Any:
    x, y = to_text(a), to_text(b)
    return true_result(x) if x == y else false_result()


@case_test("has_beginning", 2)
def has_beginning(env: Any, text: Any, beginning: Any) -> Any:
    t = to_text(text).strip()
    b = to_text(beginning).strip()
    if b and len(t) >= len(b) and t[: len(b)].lower() == b.lower():
        return true_result(t[: len(b)])
    return false_result()


_PATTERN_CACHE: dict[str, Any] = {}


@case_test("has_pattern", 2)
def has_pattern(env: Any, text: Any, pattern: Any) -> Any:
    p = to_text(pattern)
    rx = _PATTERN_CACHE.get(p)
    if rx is None:
        src = p
        flags = regex.IGNORECASE | regex.UNICODE
        if src.startswith("(?-i)"):
            src = src[5:]
            flags = regex.UNICODE
        try:
            rx = regex.compile(src, flags)
        except regex.error:
            return XError(f"must be called with a valid regular expression, got {p}")
        _PATTERN_CACHE[p] = rx
    m = rx.search(to_text(text))
    if m is None:
        return false_result()
    groups = {str(i): (m.group(i) or "") for i in range(0, (rx.groups or 0) + 1)}
    return true_result(m.group(0), XObject(groups))
