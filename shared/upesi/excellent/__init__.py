"""Excellent: RapidPro's expression and template language."""

from upesi.excellent.env import Environment
from upesi.excellent.template import (
    EvalError,
    evaluate_expression,
    evaluate_template,
    evaluate_template_value,
    parse_template,
)
from upesi.excellent.types import XError, XFunction, XObject

__all__ = [
    "Environment",
    "EvalError",
    "XError",
    "XFunction",
    "XObject",
    "evaluate_expression",
    "evaluate_template",
    "evaluate_template_value",
    "parse_template",
]
