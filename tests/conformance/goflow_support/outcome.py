"""Turning a case's check into pass / known-failure (xfail) / failure."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def check_case(case_id: str, known: set[str], check: Callable[[], None]) -> None:
    """Run check(); a failing case that is listed as known becomes an xfail, others fail the suite."""
    try:
        check()
    except Exception as e:
        if case_id in known:
            pytest.xfail(f"known failure: {type(e).__name__}: {str(e)[:200]}")
        raise
