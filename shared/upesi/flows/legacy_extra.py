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
    the maps routers make. (A webhook body is kept as its text instead, see Run.raw_extras.)"""
    text = json.dumps(extra, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# a JSON string (kept) or a run of insignificant whitespace (dropped)
_STRING_OR_SPACE = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+')


def go_compact(text: str) -> str:
    """Valid JSON text as Go's encoder writes a json.RawMessage (goflow's result extra) inside a session:
    insignificant whitespace removed, nothing else touched (key order, escapes; jsonx doesn't escape <>&)."""
    return _STRING_OR_SPACE.sub(r"\1", text)


def _add_values(values: dict[str, Any], items: Any) -> None:
    if isinstance(items, dict):
        for k, v in items.items():
            values[legacy_key(str(k))] = v
    elif isinstance(items, list):
        for i, v in enumerate(items):
            values[str(i)] = v


def _add_results(values: dict[str, Any], results: dict[str, dict[str, Any]], raw: Any = None) -> None:
    # oldest first (a stable sort, as results with the same time keep their order)
    for r in sorted(results.values(), key=lambda r: r.get("created_on") or ""):
        extra = r.get("extra")
        if extra is None:
            continue
        key = result_key(r.get("name") or "")
        # the text kept for it (goflow keeps the bytes), else written as goflow writes the maps routers make
        text = raw.get(key) if isinstance(raw, dict) else None
        values[key] = text if isinstance(text, str) and text else extra_text(extra)
        _add_values(values, extra)


def legacy_extra(session: Session, run: Run) -> Any:
    trigger = session.trigger or {}
    values: dict[str, Any] = {}
    _add_values(values, trigger.get("params"))
    if trigger.get("type") == "flow_action":
        summary = trigger.get("run_summary") or {}
        _add_results(values, summary.get("results") or {}, summary.get("raw_extras"))
    _add_results(values, run.results, run.raw_extras)
    return from_json(values)
