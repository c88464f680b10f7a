"""A static asset source (the goflow JSON shape) with lookups and lazily read flows."""

from __future__ import annotations

from typing import Any

from upesi.flows.definition import Flow, read_flow


class Assets:
    def __init__(self, source: dict[str, Any] | None) -> None:
        src = source or {}
        self.source = src
        self._flow_defs: dict[str, dict[str, Any]] = {}
        for f in src.get("flows") or []:
            if isinstance(f, dict):
                u = f.get("uuid") or (f.get("metadata") or {}).get("uuid")
                if u:
                    self._flow_defs[u] = f
        self._flows: dict[str, Flow] = {}
        self.fields: dict[str, dict[str, Any]] = {f["key"]: f for f in src.get("fields") or []}
        self.groups: dict[str, dict[str, Any]] = {g["uuid"]: g for g in src.get("groups") or []}
        self.channels: dict[str, dict[str, Any]] = {c["uuid"]: c for c in src.get("channels") or []}
        self.labels: dict[str, dict[str, Any]] = {lb["uuid"]: lb for lb in src.get("labels") or []}
        self.globals: list[dict[str, Any]] = list(src.get("globals") or [])
        self.resthooks: dict[str, dict[str, Any]] = {r["slug"]: r for r in src.get("resthooks") or []}
        self.topics: dict[str, dict[str, Any]] = {t["uuid"]: t for t in src.get("topics") or []}
        self.users: list[dict[str, Any]] = list(src.get("users") or [])
        self.llms: dict[str, dict[str, Any]] = {x["uuid"]: x for x in src.get("llms") or []}
        self.locations: list[dict[str, Any]] = list(src.get("locations") or [])
        self.templates: dict[str, dict[str, Any]] = {t["uuid"]: t for t in src.get("templates") or []}
        self.optins: dict[str, dict[str, Any]] = {o["uuid"]: o for o in src.get("optins") or []}
        self.classifiers: dict[str, dict[str, Any]] = {c["uuid"]: c for c in src.get("classifiers") or []}

    def has_flow(self, uuid: str) -> bool:
        return uuid in self._flow_defs

    def flow(self, uuid: str) -> Flow:
        """Read (and cache) a flow; raises KeyError if missing, FlowValidationError if invalid."""
        f = self._flows.get(uuid)
        if f is None:
            d = self._flow_defs.get(uuid)
            if d is None:
                raise KeyError(uuid)
            f = read_flow(d)
            self._flows[uuid] = f
        return f

    def group_by_name(self, name: str) -> dict[str, Any] | None:
        low = name.strip().lower()
        for g in self.groups.values():
            if (g.get("name") or "").strip().lower() == low:
                return g
        return None

    def field_by_key(self, key: str) -> dict[str, Any] | None:
        return self.fields.get(key)
