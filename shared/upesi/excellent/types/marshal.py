"""An evaluation context as JSON for the simulator's context explorer ("@" in RapidPro's simulator).

As goflow's context walk with marshal options (defaults on, deprecated off): every object carries its
default value under "__default__" (what "@contact" alone renders), and deprecated properties are left out."""

from typing import Any

from upesi.excellent.types.convert import to_json_value
from upesi.excellent.types.values import XObject

DEFAULT_KEY = "__default__"


def context_json(value: Any) -> Any:
    if isinstance(value, XObject):
        deprecated = value.deprecated_keys or {}
        out: dict[str, Any] = {}
        if value.has_default:
            out[DEFAULT_KEY] = context_json(value.default)
        for key, item in sorted(value.items(), key=lambda kv: kv[0].lower()):
            if key.lower() in deprecated or (isinstance(item, XObject) and item.deprecated):
                continue
            out[key] = context_json(item)
        return out
    if isinstance(value, list):
        return [context_json(item) for item in value]
    return to_json_value(value)
