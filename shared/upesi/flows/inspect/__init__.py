"""Static inspection of a flow: dependencies, results, locals, parent refs and issues.

    inspect_flow(definition, assets) -> {"counts", "dependencies", "locals", "results", "parent_refs", "issues"}

Issues: missing_dependency (only when assets are given), invalid_regex, legacy_vars and
whatsapp_window (a non-template message that can be sent more than 24 hours after the contact
last wrote, which WhatsApp refuses outside its customer-service window) and, given a screen limit,
ussd_screen (a message that cannot fit a USSD screen).
"""

from __future__ import annotations

from typing import Any

from upesi.flows.definition import Flow, read_flow
from upesi.flows.inspect.deps import Dependencies
from upesi.flows.inspect.issues import find_issues
from upesi.flows.inspect.outputs import action_results
from upesi.flows.runs import result_key


def _results(flow: Flow) -> list[dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    for node in flow.nodes:
        names: list[tuple[str, list[str]]] = []
        if node.router and node.router.result_name:
            names.append((node.router.result_name, [c.name for c in node.router.categories]))
        for a in node.actions:
            names.extend(action_results(a))
        for name, cats in names:
            key = result_key(name)
            r = by_key.setdefault(key, {"key": key, "name": name, "categories": [], "node_uuids": []})
            for c in cats:
                if c not in r["categories"]:
                    r["categories"].append(c)
            if node.uuid not in r["node_uuids"]:
                r["node_uuids"].append(node.uuid)
    return list(by_key.values())


def inspect_flow(
    d: dict[str, Any], assets: dict[str, Any] | None = None, screen_limit: int | None = None
) -> dict[str, Any]:
    """screen_limit: the characters a screen shows, for a flow that answers USSD (issue ussd_screen)."""
    flow = read_flow(d, validate_types=False)
    deps = Dependencies(flow, assets)
    return {
        "counts": {"languages": len(flow.localization), "nodes": len(flow.nodes)},
        "dependencies": deps.as_json(),
        "locals": sorted(deps.locals),
        "results": _results(flow),
        "parent_refs": deps.parent_refs,
        "issues": find_issues(flow, deps, assets, screen_limit),
    }


__all__ = ["inspect_flow"]
