"""Validation against assets: a flow that refers to assets which don't exist can't be started."""

from __future__ import annotations

from typing import Any

from upesi.flows.definition.errors import FlowValidationError


class MissingDependenciesError(FlowValidationError):
    pass


def check_dependencies(d: dict[str, Any], assets: dict[str, Any]) -> None:
    """Raise MissingDependenciesError naming every missing asset the flow (and its subflows) uses."""
    from upesi.flows.inspect import inspect_flow

    missing: list[str] = []
    seen: set[str | None] = set()  # a flow without a uuid is still walked once
    todo = [d]
    flows = {f.get("uuid"): f for f in assets.get("flows") or []}
    while todo:
        flow = todo.pop()
        if flow.get("uuid") in seen:
            continue
        seen.add(flow.get("uuid"))
        for dep in inspect_flow(flow, assets)["dependencies"]:
            if dep.get("missing"):
                ident = dep.get("uuid") or dep.get("key")
                missing.append(
                    f"{dep['type']}[{'key' if 'key' in dep else 'uuid'}={ident},name={dep.get('name', '')}]"
                )
            elif dep["type"] == "flow" and dep.get("uuid") in flows:
                todo.append(flows[dep["uuid"]])
    if missing:
        raise MissingDependenciesError(
            f"flow '{d.get('name', '')}' has missing dependencies: {', '.join(missing)}"
        )
