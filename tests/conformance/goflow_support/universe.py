"""A mock universe like goflow's test.MockUniverse: a clock that ticks 1s per call, sequential
UUIDs, and an HTTP client serving the test's mocks in order."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from upesi.gorand import GoRand

START = dt.datetime(2025, 5, 4, 12, 30, 45, 123456, tzinfo=dt.UTC)


def mock_clock() -> Any:
    ticks = itertools.count()
    return lambda: START + dt.timedelta(seconds=next(ticks))


def mock_uuids() -> Any:
    # V7-shaped so the normaliser treats them like goflow's generated UUIDs
    n = itertools.count(1)
    return lambda: f"01969b47-0000-7000-8000-{next(n):012d}"


@dataclass
class MockResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class MockHTTP:
    """Serves http_mocks: {url: [{status, body, body_repeat?, headers?}, ...]} consumed in order per URL."""

    def __init__(self, mocks: dict[str, list[dict[str, Any]]] | None) -> None:
        self.mocks = {k: list(v) for k, v in (mocks or {}).items()}
        self.calls: list[tuple[str, str]] = []

    def request(
        self, method: str, url: str, headers: dict[str, str], body: str | None, timeout: float
    ) -> MockResponse:
        self.calls.append((method, url))
        queue = self.mocks.get(url)
        if not queue:
            raise ConnectionError(f"no mock for {url}")
        m = queue.pop(0)
        if m.get("status", 0) == 0:
            raise ConnectionError("connection failed")
        body_text = m.get("body", "") * int(m.get("body_repeat") or 1)
        return MockResponse(m.get("status", 200), dict(m.get("headers") or {}), body_text.encode())

    def unused(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.mocks.items() if v}


def seeded_rng() -> GoRand:
    """goflow's tests use random.NewSeededGenerator(123456): Go's PCG seeded (123456, 123456)."""
    return GoRand(123456)
