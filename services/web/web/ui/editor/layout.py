"""Canvas positions for definitions that never went through the editor (imports, the demo, the API).

The editor requires `_ui.nodes[<uuid>]` with a position and a type for every node; without one it fails
with "object is not extensible". Missing entries are laid out in a column, in node order."""

import copy
from typing import Any

ROW_HEIGHT = 220


def _node_type(node: dict[str, Any]) -> str:
    router = node.get("router")
    if not router:
        return "execute_actions"
    actions = {a.get("type") for a in node.get("actions") or []}
    if "enter_flow" in actions:
        return "split_by_subflow"
    if "call_webhook" in actions or "call_resthook" in actions:
        return "split_by_webhook"
    if router.get("wait"):
        return "wait_for_response"
    if router.get("type") == "random":
        return "split_by_random"
    return "split_by_expression"


def with_layout(definition: dict[str, Any]) -> dict[str, Any]:
    nodes = definition.get("nodes") or []
    raw_ui = definition.get("_ui")
    ui: dict[str, Any] = raw_ui if isinstance(raw_ui, dict) else {}
    raw_nodes = ui.get("nodes")
    placed: dict[str, Any] = raw_nodes if isinstance(raw_nodes, dict) else {}
    if all(n.get("uuid") in placed for n in nodes):
        return definition
    definition = copy.deepcopy(definition)
    ui = copy.deepcopy(ui)
    placed = dict(placed)
    lowest = max((p.get("position", {}).get("top", 0) for p in placed.values()), default=-ROW_HEIGHT)
    for node in nodes:
        if node["uuid"] not in placed:
            lowest += ROW_HEIGHT
            entry: dict[str, Any] = {"position": {"left": 100, "top": lowest}, "type": _node_type(node)}
            if entry["type"] == "wait_for_response":
                entry["config"] = {"cases": {}}
            placed[node["uuid"]] = entry
    ui["nodes"] = placed
    ui.setdefault("stickies", {})
    definition["_ui"] = ui
    return definition
