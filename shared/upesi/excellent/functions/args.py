"""Argument coercion helpers for builtins: each returns the converted value or an XError."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from upesi.excellent.types.convert import describe, to_number, to_text
from upesi.excellent.types.values import XError, XObject


def text_arg(v: Any) -> str:
    """Text of an argument. Builtins never see error arguments (the registry returns them first)."""
    return to_text(v)


def number_arg(v: Any) -> Decimal | XError:
    return to_number(v)


def int_arg(v: Any) -> int | XError:
    n = to_number(v)
    if isinstance(n, XError):
        return n
    return int(n)


def object_arg(v: Any) -> XObject | XError:
    if isinstance(v, XObject):
        return v
    return XError(f"{describe(v)} isn't an object")


def array_arg(v: Any) -> list[Any] | XError:
    if isinstance(v, list):
        return v
    return XError(f"{describe(v)} isn't an array")
