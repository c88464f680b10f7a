"""Small RapidPro exports written for one behaviour each: a flow at spec 14.4.1 built from nodes, and the
export around it."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any


def u() -> str:
    return str(uuidlib.uuid4())


def send_node(text: str, dest: str | None = None, **extra: Any) -> dict[str, Any]:
    action = {"uuid": u(), "type": "send_msg", "text": text, **extra}
    return {"uuid": u(), "actions": [action], "exits": [{"uuid": u(), "destination_uuid": dest}]}


def action_node(action: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": u(),
        "actions": [{"uuid": u(), **action}],
        "exits": [{"uuid": u(), "destination_uuid": None}],
    }


def group_split(group_uuid: str, group_name: str) -> dict[str, Any]:
    """A 'has group' split: the group is named only here."""
    yes, other, e1, e2 = u(), u(), u(), u()
    return {
        "uuid": u(),
        "actions": [],
        "router": {
            "type": "switch",
            "operand": "@contact.groups",
            "cases": [{"uuid": u(), "type": "has_group", "arguments": [group_uuid, group_name], "category_uuid": yes}],
            "categories": [{"uuid": yes, "name": group_name, "exit_uuid": e1}, {"uuid": other, "name": "Other", "exit_uuid": e2}],
            "default_category_uuid": other,
        },
        "exits": [{"uuid": e1, "destination_uuid": None}, {"uuid": e2, "destination_uuid": None}],
    }  # fmt: skip


def flow(name: str, nodes: list[dict[str, Any]], uuid: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": uuid or u(), "name": name, "spec_version": "14.4.1", "language": "eng", "type": "messaging",
        "revision": 1, "expire_after_minutes": 10080, "localization": {}, "nodes": nodes, **extra,
    }  # fmt: skip


def export(**parts: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": "13", "site": "https://app.rapidpro.io", "flows": [], "campaigns": [],
                           "triggers": [], "fields": [], "groups": []}  # fmt: skip
    doc.update(parts)
    return doc


def ref(f: dict[str, Any]) -> dict[str, str]:
    return {"uuid": f["uuid"], "name": f["name"]}


def keyword_trigger(
    f: dict[str, Any], *keywords: str, groups: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"trigger_type": "K", "keywords": list(keywords), "match_type": "F", "flow": ref(f),
            "groups": groups or [], "exclude_groups": [], "channel": None}  # fmt: skip
