"""Other case tests: errors, emails, groups, categories, intents."""

from __future__ import annotations

from typing import Any

import regex

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import XError, XObject

_EMAIL_RE = regex.compile(r"[^\s@<>()\[\],;:\"]+@[\w\-]+(?:\.[\w\-]+)+", regex.UNICODE)


@case_test("has_error", 1, errors_ok=True)
def has_error(env: Any, v: Any) -> Any:
    if isinstance(v, XError):
        return true_result(v.message)
    return false_result()


@case_test("has_email", 1)
def has_email(env: Any, text: Any) -> Any:
    m = _EMAIL_RE.search(to_text(text))
    if m is None:
        return false_result()
    return true_result(m.group(0).rstrip("."))


@case_test("has_group", 2, 3)
def has_group(env: Any, groups: Any, group_uuid: Any, name: Any = None) -> Any:
    if not isinstance(groups, list):
        return XError("must have a list of groups as its first argument")
    for g in groups:
        if isinstance(g, XError):
            return g
    u = to_text(group_uuid)
    for g in groups:
        if isinstance(g, XObject) and to_text(g.get("uuid", "")) == u:
            return true_result(g)
    return false_result()


@case_test("has_category", 1, None)
def has_category(env: Any, result: Any, *categories: Any) -> Any:
    if not isinstance(result, XObject) or not result.has("category"):
        return XError("first argument must be a result")
    cat = to_text(result.get("category", ""))
    for c in categories:
        if to_text(c).strip().lower() == cat.strip().lower():
            return true_result(cat)
    return false_result()


@case_test("has_intent", 2, 3)
def has_intent(env: Any, result: Any, *args: Any) -> Any:
    return false_result()


@case_test("has_top_intent", 2, 3)
def has_top_intent(env: Any, result: Any, *args: Any) -> Any:
    return false_result()


_PHONE_CANDIDATE_RE = regex.compile(r"\+?\d[\d\s\-().]{3,}\d")


@case_test("has_phone", 1, 2)
def has_phone(env: Any, text: Any, country: Any = None) -> Any:
    """The first phone number in the text, as E.164; the country defaults to the env's."""
    import phonenumbers

    c = (to_text(country) if country is not None else "") or getattr(env, "default_country", "") or ""
    for m in _PHONE_CANDIDATE_RE.finditer(to_text(text)):
        cand = m.group(0).strip()
        try:
            num = phonenumbers.parse(cand, c.upper() or None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number_with_reason(num) != phonenumbers.ValidationResult.IS_POSSIBLE:
            # a number with its country code but no + (12067799294) is read as international
            digits = "".join(ch for ch in cand if ch.isdigit())
            try:
                num = phonenumbers.parse("+" + digits, None)
            except phonenumbers.NumberParseException:
                continue
        if phonenumbers.is_possible_number_with_reason(num) == phonenumbers.ValidationResult.IS_POSSIBLE:
            return true_result(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))
    return false_result()
