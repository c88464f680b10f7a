"""Calls as the contact's history shows them."""

import pytest

from upesi.domain.calls import describe


@pytest.mark.parametrize(
    ("direction", "status", "reason", "duration", "expected"),
    [("O", "D", None, 95, "Outgoing call, completed (95 s)"),
     ("O", "E", "B", 0, "Outgoing call, errored, to be retried (busy)"),
     ("O", "F", "N", 0, "Outgoing call, failed (no answer)"),
     ("O", "F", "M", 0, "Outgoing call, failed (answering machine)"),
     ("I", "I", None, 0, "Incoming call, in progress"),
     ("O", "Q", None, 0, "Outgoing call, queued"),
     ("O", "W", None, 0, "Outgoing call, ringing")],
)  # fmt: skip
def test_describe(direction: str, status: str, reason: str | None, duration: int, expected: str) -> None:
    assert describe(direction, status, reason, duration) == expected
