"""What the editor shows about a definition besides the canvas: its results, dependencies and issues."""

import re
from typing import Any

DEPENDENCY_KEYS = {
    "groups": "group",
    "group": "group",
    "field": "field",
    "flow": "flow",
    "labels": "label",
    "channel": "channel",
    "topic": "topic",
    "global": "global",
}


def snakify(name: str) -> str:
    """goflow's utils.Snakify: result names become lower-case keys joined by underscores."""
    return re.sub(r"[^\w]+", "_", name.strip().lower(), flags=re.UNICODE).strip("_")


def flow_info(definition: dict[str, Any], assets: dict[str, Any] | None = None) -> dict[str, Any]:
    """The engine's inspection (dependencies, results, issues such as missing dependencies when the
    workspace's assets are given); our own walk of results and references if the engine can't read it."""
    try:
        from upesi.flows.inspect import inspect_flow

        info = inspect_flow(definition, assets)
        info.setdefault("parent_refs", [])
        info.setdefault("issues", [])
        return info
    except Exception:  # an unreadable definition still gets a canvas; saving it is refused elsewhere
        return _walked_info(definition)


def _walked_info(definition: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {}
    deps: dict[tuple[str, str], dict[str, Any]] = {}

    def add_result(name: str, categories: list[str], node_uuid: str) -> None:
        key = snakify(name)
        entry = results.setdefault(key, {"key": key, "name": name, "categories": [], "node_uuids": []})
        for c in categories:
            if c not in entry["categories"]:
                entry["categories"].append(c)
        if node_uuid not in entry["node_uuids"]:
            entry["node_uuids"].append(node_uuid)

    for node in definition.get("nodes") or []:
        for action in node.get("actions") or []:
            if action.get("type") == "set_run_result" and action.get("name"):
                add_result(
                    action["name"], [action["category"]] if action.get("category") else [], node["uuid"]
                )
            for key, dep_type in DEPENDENCY_KEYS.items():
                refs = action.get(key)
                for ref in refs if isinstance(refs, list) else [refs]:
                    if isinstance(ref, dict) and (ref.get("uuid") or ref.get("key")):
                        ident = str(ref.get("uuid") or ref.get("key"))
                        deps[(dep_type, ident)] = {
                            "type": dep_type,
                            **{k: ref[k] for k in ("uuid", "key", "name") if k in ref},
                        }
        router = node.get("router") or {}
        if router.get("result_name"):
            add_result(
                router["result_name"], [c["name"] for c in router.get("categories") or []], node["uuid"]
            )
    return {
        "results": list(results.values()),
        "dependencies": list(deps.values()),
        "parent_refs": [],
        "issues": [],
        "counts": {
            "nodes": len(definition.get("nodes") or []),
            "languages": len(definition.get("localization") or {}),
        },
    }
