"""The individual version migrations, registered in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: list[tuple[tuple[int, ...], Migration]] = []


def migration(version: str) -> Callable[[Migration], Migration]:
    def deco(fn: Migration) -> Migration:
        MIGRATIONS.append((tuple(int(p) for p in version.split(".")), fn))
        MIGRATIONS.sort(key=lambda m: m[0])
        return fn

    return deco
