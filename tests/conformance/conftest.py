"""Conformance reporting: passed/total per conformance file, printed at the end of the session."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

_files: dict[str, str] = {}
_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # label -> [passed, total]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    for item in items:
        label = None
        marker = item.get_closest_marker("conformance")
        if marker is not None:
            label = marker.args[0]
        if label:
            _files[item.nodeid] = label


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance(file): counts the test towards that conformance file's figures"
    )


def pytest_runtest_logreport(report: Any) -> None:
    label = _files.get(report.nodeid)
    if label is None:
        return
    if report.when == "call" or (report.when == "setup" and report.skipped):
        c = _counts[label]
        c[1] += 1
        if report.passed and not hasattr(report, "wasxfail"):
            c[0] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _counts:
        return
    terminalreporter.write_sep("=", "goflow conformance: passed/total per file")
    for label in sorted(_counts):
        p, t = _counts[label]
        terminalreporter.write_line(f"{label}: {p}/{t}")
