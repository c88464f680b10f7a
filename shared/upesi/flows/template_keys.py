"""Which parts of an action are templates, declared once: flow inspection (dependencies, issues) collects them
and the spec migrations rewrite them.

goflow keeps the same fact as a catalog of template paths per action type
(flows/definition/migrations/specdata/templates.json); we keep it by key, which covers every action type and
spec version with one table:

    {"type": "set_contact_name", "uuid": "…", "name": "@fields.nick"}     name is a template
    {"type": "add_contact_groups", "groups": [{"name_match": "@fields.district"}]}   only name_match is
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# asset references: never templates, except the name_match of a group or label reference
ASSET_REF_KEYS = frozenset(
    {
        "flow",
        "field",
        "contacts",
        "channel",
        "topic",
        "llm",
        "template",
        "assignee",
        "optin",
        "groups",
        "labels",
    }
)
NAME_MATCH_REF_KEYS = frozenset({"groups", "labels"})

# keys whose string values are never templates (identifiers, enumerations, names of things)
NOT_TEMPLATE_KEYS = frozenset(
    {
        "uuid",
        "type",
        "exit_uuid",
        "destination_uuid",
        "category_uuid",
        "key",
        "slug",
        "method",
        "scheme",
        "local",
        "operation",
        "resthook",
        "status",
    }
)


def map_templates(value: Any, fn: Callable[[str], str], key: str = "") -> Any:
    """A copy of an action (or any part of it) with fn applied to every template string."""
    if isinstance(value, str):
        return value if key in NOT_TEMPLATE_KEYS else fn(value)
    if isinstance(value, list):
        return [map_templates(v, fn, key) for v in value]
    if isinstance(value, dict):
        return {
            k: _map_refs(v, fn, k) if k in ASSET_REF_KEYS else map_templates(v, fn, k)
            for k, v in value.items()
        }
    return value


def _map_refs(value: Any, fn: Callable[[str], str], key: str) -> Any:
    if key not in NAME_MATCH_REF_KEYS or not isinstance(value, list):
        return value
    return [
        {**ref, "name_match": fn(ref["name_match"])}
        if isinstance(ref, dict) and isinstance(ref.get("name_match"), str)
        else ref
        for ref in value
    ]


def action_templates(action: dict[str, Any]) -> list[str]:
    """Every template string in an action, in document order."""
    found: list[str] = []

    def collect(s: str) -> str:
        found.append(s)
        return s

    map_templates(action, collect)
    return found
