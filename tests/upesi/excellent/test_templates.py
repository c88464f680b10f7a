"""Template basics: @paths, @(expressions), escapes, errors and the parse cache."""

from __future__ import annotations

from decimal import Decimal

import pytest

from upesi.excellent import evaluate_expression, evaluate_template, parse_template

CTX = {
    "contact": {"__default__": "Ana", "name": "Ana"},
    "input": {"text": "hi there"},
    "results": {"name": {"value": "Bob"}},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi @contact.name!", "Hi Ana!"),
        ("@CONTACT.NAME", "Ana"),
        ("@input.text", "hi there"),
        ("@results.name.value", "Bob"),
        ('@(upper(contact.name) & "!")', "ANA!"),
        ("@(1 + 2 * 3)", "7"),
        ("@(1.5 + 2.5)", "4"),
        ("mail foo@bar.com", "mail foo@bar.com"),
        ("@@contact", "@contact"),
        ("@(contact", "@(contact"),
        ("@contact.name.", "Ana."),
    ],
)
def test_render(template: str, expected: str) -> None:
    out, errors = evaluate_template(template, CTX)
    assert out == expected
    assert errors == []


def test_errors_render_empty_and_are_reported() -> None:
    out, errors = evaluate_template("x@(contact.nope)y", CTX)
    assert out == "xy"
    assert str(errors[0]) == "error evaluating @(contact.nope): object has no property 'nope'"


def test_expression_value_and_cache() -> None:
    assert evaluate_expression("2 ^ 3", {}) == Decimal(8)
    assert parse_template("Hi @contact.name") is parse_template("Hi @contact.name")
