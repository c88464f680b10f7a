"""Bring a definition of any supported version up to the current spec (legacy conversion + semver steps)."""

from __future__ import annotations

import copy
from typing import Any

from upesi.flows.definition.errors import FlowMigrationError


def _ver(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in s.split("."))
    except ValueError as e:
        raise FlowMigrationError(f"invalid spec version '{s}'") from e


def migrate_flow(d: dict[str, Any], to_version: str = "14.4.2") -> dict[str, Any]:
    """Return a migrated copy of d (d itself is untouched; `_ui` is carried over as is)."""
    from upesi.flows.migrations import LEGACY_MAX, run_migrations

    spec = d.get("spec_version")
    if spec is None:
        if "action_sets" in d or "rule_sets" in d or "version" in d or "base_language" in d:
            from upesi.flows.migrations.legacy import migrate_legacy

            d = migrate_legacy(d)
            spec = d.get("spec_version", "13.0.0")
        else:
            spec = "13.0.0"
            d = dict(d)
            d["spec_version"] = spec
    v = _ver(spec)
    if v < (11, 0, 0) or v >= (14, 5, 0):
        raise FlowMigrationError(f"spec version {spec} is not supported")
    if v <= LEGACY_MAX:
        from upesi.flows.migrations.legacy import migrate_legacy

        d = migrate_legacy(d)
        v = _ver(d["spec_version"])
    target = _ver(to_version)
    if v >= target:
        return d
    _precheck(d)
    try:
        return run_migrations(copy.deepcopy(d), v, target)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise FlowMigrationError(f"unable to migrate flow from {spec}: {type(e).__name__}: {e}") from e


def _precheck(d: dict[str, Any]) -> None:
    """Null nodes, actions or exits are reported as such rather than failing inside a migration."""
    from upesi.flows.definition.errors import FlowReadError

    for i, n in enumerate(d.get("nodes") or []):
        if not isinstance(n, dict):
            raise FlowReadError(f"node[{i}] is null")
        for j, a in enumerate(n.get("actions") or []):
            if not isinstance(a, dict):
                raise FlowReadError(f"node[uuid={n.get('uuid')}]: action[{j}] is null")
        for j, e in enumerate(n.get("exits") or []):
            if not isinstance(e, dict):
                raise FlowReadError(f"node[uuid={n.get('uuid')}]: exit[{j}] is null")
