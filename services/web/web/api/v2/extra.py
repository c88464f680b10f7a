"""RapidPro's normalize_extra: the deprecated `extra` of a flow start (what CHT's outbound push sends) is made safe
for the old engine: keys keep only letters, digits and underscores (at most 255 characters), lists become dicts
keyed by index, null becomes "", text is cut at 640 characters and at most EXTRA_SIZE values are kept. `params`,
its successor, is taken as given."""

import re
from numbers import Number
from typing import Any

EXTRA_SIZE = 256  # RapidPro's FLOW_START_EXTRA_SIZE
MAX_TEXT = 640
INVALID_KEY_CHARS = re.compile(r"[^a-zA-Z0-9_]")


def normalize_extra(extra: Any, size: int = EXTRA_SIZE) -> Any:
    return _normalize(extra, -1, size)[0]


def _normalize(value: Any, count: int, size: int) -> tuple[Any, int]:
    if isinstance(value, str):
        return value[:MAX_TEXT], count + 1
    if isinstance(value, (bool, Number)):
        return value, count + 1
    if value is None:
        return "", count + 1
    if isinstance(value, (dict, list)):
        count += 1
        items = value.items() if isinstance(value, dict) else ((str(i), v) for i, v in enumerate(value))
        normalized: dict[str, Any] = {}
        for key, item in items:
            normalized[INVALID_KEY_CHARS.sub("_", str(key))[:255]], count = _normalize(item, count, size)
            if count >= size:
                break
        return normalized, count
    return str(value)[:MAX_TEXT], count + 1
