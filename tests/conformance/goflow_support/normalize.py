"""Normalising engine output and goflow's expected output so they can be compared structurally.

Generated UUIDs (V7) and timestamps depend on the order of clock/uuid calls, which a port can't
reproduce exactly, so they are replaced by placeholders before comparing (see the flows README).
"""

from __future__ import annotations

import re
from typing import Any

_V7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
# the same inside longer text (webhook request bodies, messages quoting a ticket uuid...)
_V7_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME_IN_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
TIME_KEYS = {
    "created_on", "modified_on", "exited_on", "arrived_on", "expires_on", "time", "timeout_on",
    "resumed_on", "triggered_on", "last_seen_on", "elapsed_ms",
}  # fmt: skip


def normalize(v: Any) -> Any:
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in TIME_KEYS and x is not None:
                out[k] = "<time>"
            else:
                out[k] = normalize(x)
        return out
    if isinstance(v, list):
        return [normalize(i) for i in v]
    if isinstance(v, str) and _V7_RE.match(v):
        return "<uuid>"
    if isinstance(v, str) and len(v) > 36:
        return _TIME_IN_TEXT.sub("<time>", _V7_IN_TEXT.sub("<uuid>", v))
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def diff(actual: Any, expected: Any, path: str = "") -> list[str]:
    """Human-readable differences (first few) between two normalised JSON values."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in sorted(set(expected) | set(actual)):
            if k not in actual:
                out.append(f"{path}.{k}: missing (expected {str(expected[k])[:120]})")
            elif k not in expected:
                out.append(f"{path}.{k}: unexpected {str(actual[k])[:120]}")
            else:
                out.extend(diff(actual[k], expected[k], f"{path}.{k}"))
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{path}: length {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
            out.extend(diff(a, e, f"{path}[{i}]"))
    elif actual != expected:
        out.append(f"{path}: {str(actual)[:150]!r} != {str(expected)[:150]!r}")
    return out
