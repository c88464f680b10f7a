"""Errors in the shape RapidPro's web expects from mailroom: {"error", "code", "extra"}, status 422."""

from typing import Any

from fastapi import HTTPException


def unprocessable(error: str, code: str, **extra: Any) -> HTTPException:
    return HTTPException(status_code=422, detail={"error": error, "code": code, "extra": extra})
