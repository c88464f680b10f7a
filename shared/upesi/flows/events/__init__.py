"""Event construction. Events are goflow-shaped dicts: {uuid, type, created_on, ...payload}."""

from __future__ import annotations

from typing import Any


def error_event(text: str, code: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "error", "text": text}
    if code:
        e["code"] = code
    if extra:
        e["extra"] = extra
    return e


def expression_error(expression: str, message: str) -> dict[str, Any]:
    return error_event(f"Error evaluating expression: {message}", "expression", {"expression": expression})


def missing_dependency(kind: str, identity: str, name: str = "", ident_key: str = "uuid") -> dict[str, Any]:
    """The error goflow logs when an action refers to an asset that doesn't exist."""
    return error_event(
        f"Missing dependency: {kind}[{ident_key}={identity},name={name}]",
        "dependency:missing",
        {"identity": identity, "type": kind},
    )
