"""Text case tests: words, phrases, beginnings, patterns."""

from __future__ import annotations

from typing import Any

import regex

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.functions.words import tokenize_words
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import XError, XObject

# with input_collation "arabic_variants", Arabic yeh/kaf variants compare equal to the Farsi forms
_ARABIC_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def _fold(env: Any, w: str) -> str:
    w = w.lower()
    if getattr(env, "input_collation", "default") == "arabic_variants":
        w = w.translate(_ARABIC_VARIANTS)
    return w


def _words_lower(s: str, env: Any = None) -> list[str]:
    return [_fold(env, w) for w in tokenize_words(s)]


@case_test("has_text", 1)
def has_text(env: Any, text: Any) -> Any:
    t = to_text(text)
    return true_result(t.strip()) if t.strip() else false_result()


@case_test("has_value", 1)
def has_value(env: Any, text: Any) -> Any:
    return has_text(env, text)


@case_test("has_any_word", 2)
def has_any_word(env: Any, text: Any, words: Any) -> Any:
    test_words = set(_words_lower(to_text(words), env))
    matched = [w for w in tokenize_words(to_text(text)) if _fold(env, w) in test_words]
    return true_result(" ".join(matched)) if matched else false_result()


@case_test("has_all_words", 2)
def has_all_words(env: Any, text: Any, words: Any) -> Any:
    input_words = tokenize_words(to_text(text))
    lower_input = [w.lower() for w in input_words]
    test_words = _words_lower(to_text(words))
    if not test_words:
        return false_result()
    matched_idx = set()
    for tw in test_words:
        if tw not in lower_input:
            return false_result()
        for i, w in enumerate(lower_input):
            if w == tw:
                matched_idx.add(i)
    return true_result(" ".join(input_words[i] for i in sorted(matched_idx)))


@case_test("has_phrase", 2)
def has_phrase(env: Any, text: Any, phrase: Any) -> Any:
    words = tokenize_words(to_text(text))
    lw = [w.lower() for w in words]
    pw = _words_lower(to_text(phrase))
    if not pw:
        return true_result("")
    for i in range(len(lw) - len(pw) + 1):
        if lw[i : i + len(pw)] == pw:
            return true_result(" ".join(words[i : i + len(pw)]))
    return false_result()


@case_test("has_only_phrase", 2)
def has_only_phrase(env: Any, text: Any, phrase: Any) -> Any:
    words = tokenize_words(to_text(text))
    if [w.lower() for w in words] == _words_lower(to_text(phrase)):
        return true_result(" ".join(words))
    return false_result()


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
