"""Typed query errors. Callers turn them into the reference shape
{"error": message, "code": "query:<code>", "extra": {...}} (HTTP 422 in the API)."""

from typing import Any

# codes, as RapidPro's contactql names them (extra keys in comments)
SYNTAX = "syntax"  # position, token
INVALID_NUMBER = "invalid_number"  # value
INVALID_DATE = "invalid_date"  # value
INVALID_STATUS = "invalid_status"  # value
INVALID_LANGUAGE = "invalid_language"  # value
INVALID_GROUP = "invalid_group"  # value
INVALID_FLOW = "invalid_flow"  # value
INVALID_PARTIAL_NAME = "invalid_partial_name"  # min_token_length
INVALID_PARTIAL_URN = "invalid_partial_urn"  # min_value_length
UNSUPPORTED_CONTAINS = "unsupported_contains"  # property
UNSUPPORTED_COMPARISON = "unsupported_comparison"  # property, operator
UNSUPPORTED_SETCHECK = "unsupported_setcheck"  # property, operator
UNKNOWN_PROPERTY = "unknown_property"  # property
TOO_COMPLEX = "too_complex"  # max_conditions


class QueryError(ValueError):
    """A query the user must fix; `code` is stable, `message` names the bad part."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra: dict[str, Any] = extra

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.message, "code": f"query:{self.code}", "extra": dict(self.extra)}

    def __repr__(self) -> str:
        return f"QueryError({self.code!r}, {self.message!r})"
