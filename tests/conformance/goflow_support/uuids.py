"""Comparing definitions that contain freshly generated (random) UUIDs."""

from __future__ import annotations

import re
from typing import Any

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def all_strings(v: Any, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(k)
            all_strings(x, out)
    elif isinstance(v, list):
        for i in v:
            all_strings(i, out)
    elif isinstance(v, str):
        out.add(v)
    return out


def normalize_new_uuids(v: Any, known: set[str], seen: dict[str, str] | None = None) -> Any:
    """Replace UUIDs (as keys or values) that aren't in `known` by numbered placeholders, in order of
    first appearance, so references between generated UUIDs are still checked."""
    seen = {} if seen is None else seen

    def name(u: str) -> str:
        if u not in seen:
            seen[u] = f"<new{len(seen) + 1}>"
        return seen[u]

    if isinstance(v, dict):
        return {
            (name(k) if _UUID_RE.match(k) and k not in known else k): normalize_new_uuids(x, known, seen)
            for k, x in v.items()
        }
    if isinstance(v, list):
        return [normalize_new_uuids(i, known, seen) for i in v]
    if isinstance(v, str) and _UUID_RE.match(v) and v not in known:
        return name(v)
    return v
