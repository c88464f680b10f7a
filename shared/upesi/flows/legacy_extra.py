"""@legacy_extra (the old engine's @extra), built as goflow builds it.

Trigger params first, then the results of the run that started this one (a flow_action trigger),
then this run's results oldest first. Each result with an extra adds its JSON text under the
result's key, then the extra's own items (an object's keys made legacy-safe, an array's items
under their indexes); later items win.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from upesi.excellent.types.convert import from_json
from upesi.flows.runs import result_key

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

_INVALID_KEY_CHARS = re.compile(r"[^a-zA-Z0-9_]")
MAX_KEY_CHARS = 255


def legacy_key(key: str) -> str:
    """Keys in legacy @extra: lower case, non-word characters as underscores, at most 255 chars."""
    return _INVALID_KEY_CHARS.sub("_", key.lower())[:MAX_KEY_CHARS]


def extra_text(extra: Any) -> str:
    """An extra as the JSON text goflow keeps for it: compact, keys sorted, <>& escaped, as Go writes
    the maps routers make. (A webhook body is shown as received for the rest of the sprint it came in,
    see Run.raw_extras; after that goflow writes it compact in its received key order, we sorted.)"""
    text = json.dumps(extra, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _add_values(values: dict[str, Any], items: Any) -> None:
    if isinstance(items, dict):
        for k, v in items.items():
            values[legacy_key(str(k))] = v
    elif isinstance(items, list):
        for i, v in enumerate(items):
            values[str(i)] = v


def _add_results(
    values: dict[str, Any], results: dict[str, dict[str, Any]], raw: dict[str, str] | None = None
) -> None:
    # oldest first (a stable sort, as results with the same time keep their order)
    for r in sorted(results.values(), key=lambda r: r.get("created_on") or ""):
        extra = r.get("extra")
        if extra is None:
            continue
        key = result_key(r.get("name") or "")
        # as received when we still have it (goflow keeps the bytes), else written as goflow writes it
        values[key] = (raw or {}).get(key) or extra_text(extra)
        _add_values(values, extra)


def legacy_extra(session: Session, run: Run) -> Any:
    trigger = session.trigger or {}
    values: dict[str, Any] = {}
    _add_values(values, trigger.get("params"))
    if trigger.get("type") == "flow_action":
        _add_results(values, (trigger.get("run_summary") or {}).get("results") or {})
    _add_results(values, run.results, run.raw_extras)
    return from_json(values)
