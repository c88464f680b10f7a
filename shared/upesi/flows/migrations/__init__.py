"""Semver migrations of flow definitions (13.x → 14.4.2). Each step is a function on the flow dict."""

from __future__ import annotations

from typing import Any

from upesi.flows.migrations.steps import MIGRATIONS

LEGACY_MAX = (12, 99, 99)


def run_migrations(d: dict[str, Any], current: tuple[int, ...], target: tuple[int, ...]) -> dict[str, Any]:
    for version, fn in MIGRATIONS:
        if current < version <= target:
            d = fn(d)
            d["spec_version"] = ".".join(str(p) for p in version)
    d["spec_version"] = ".".join(str(p) for p in target)
    return d
