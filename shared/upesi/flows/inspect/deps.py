"""Dependencies of a flow on assets: explicit references in actions and cases, then fields that
templates refer to."""

from __future__ import annotations

from typing import Any

from upesi.flows.definition import Flow
from upesi.flows.inspect.outputs import action_locals
from upesi.flows.inspect.templates import template_refs
from upesi.flows.template_keys import action_templates

_REF_LISTS = {"groups": "group", "labels": "label", "contacts": "contact"}
_REF_SINGLE = {"flow": "flow", "channel": "channel", "topic": "topic", "llm": "llm",
               "template": "template", "classifier": "classifier", "assignee": "user"}  # fmt: skip
_ASSET_KEYS = {"group": "groups", "label": "labels", "flow": "flows", "channel": "channels", "field": "fields",
               "topic": "topics", "llm": "llms", "optin": "optins", "template": "templates",
               "classifier": "classifiers", "user": "users", "global": "globals"}  # fmt: skip


class Dependency:
    def __init__(self, kind: str, ident: str, name: str | None, by_key: bool = False) -> None:
        self.kind = kind
        self.ident = ident
        self.name = name
        self.by_key = by_key
        self.missing = False

    def ref(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.ident} if self.by_key else {"uuid": self.ident}
        if self.name is not None:
            d["name"] = self.name
        d["type"] = self.kind
        return d


class Dependencies:
    def __init__(self, flow: Flow, assets: dict[str, Any] | None) -> None:
        self.flow = flow
        self.assets = assets
        self.items: list[Dependency] = []
        self._index: dict[tuple[str, str], Dependency] = {}
        self.locals: set[str] = set()
        self.parent_refs: list[str] = []
        # (node_uuid, action_uuid or None, language or None, dependency) for missing-dependency issues
        self.occurrences: list[tuple[str, str | None, str | None, Dependency]] = []
        self._collect()

    def _add(self, dep: Dependency, node: str, action: str | None, lang: str | None = None) -> None:
        key = (dep.kind, dep.ident)
        existing = self._index.get(key)
        if existing is None:
            self._index[key] = dep
            self.items.append(dep)
            dep.missing = self._is_missing(dep)
            existing = dep
        elif existing.name in ("", None) and dep.name:
            existing.name = dep.name
        self.occurrences.append((node, action, lang, existing))

    def _is_missing(self, dep: Dependency) -> bool:
        if self.assets is None:
            return False
        items = self.assets.get(_ASSET_KEYS.get(dep.kind, ""), None)
        if items is None:
            return dep.kind in ("group", "label", "field", "flow") and True
        for i in items:
            if dep.by_key and i.get("key") == dep.ident:
                return False
            if not dep.by_key and (
                i.get("uuid") == dep.ident or (i.get("metadata") or {}).get("uuid") == dep.ident
            ):
                return False
        return True

    def _collect(self) -> None:
        # per node: the explicit asset references first, then what the node's templates refer to
        for node in self.flow.nodes:
            template_sites: list[tuple[str, str | None, str | None, str]] = []
            for a in node.actions:
                for field, kind in _REF_LISTS.items():
                    for ref in a.get(field) or []:
                        if isinstance(ref, dict) and ref.get("uuid"):
                            self._add(
                                Dependency(kind, ref["uuid"], ref.get("name", "")), node.uuid, a["uuid"]
                            )
                if a["type"] == "set_contact_field" and a.get("field"):
                    f = a["field"]
                    self._add(
                        Dependency("field", f.get("key", ""), f.get("name", ""), by_key=True),
                        node.uuid,
                        a["uuid"],
                    )
                for field, kind in _REF_SINGLE.items():
                    ref = a.get(field)
                    if isinstance(ref, dict) and ref.get("uuid"):
                        self._add(Dependency(kind, ref["uuid"], ref.get("name", "")), node.uuid, a["uuid"])
                self.locals.update(action_locals(a))
                for t in action_templates(a):
                    template_sites.append((node.uuid, a["uuid"], None, t))
                for lang, items in self.flow.localization.items():
                    for _prop, vals in (items.get(a["uuid"]) or {}).items():
                        for v in vals if isinstance(vals, list) else []:
                            template_sites.append((node.uuid, a["uuid"], lang, v))
            r = node.router
            if r is not None:
                self._router_refs(node, r, template_sites)
            self._template_refs(template_sites)

    def _router_refs(
        self, node: Any, r: Any, template_sites: list[tuple[str, str | None, str | None, str]]
    ) -> None:
        if r.operand:
            template_sites.append((node.uuid, None, None, r.operand))
        for c in r.cases:
            if c.type == "has_group" and c.arguments:
                name = c.arguments[1] if len(c.arguments) > 1 else None
                self._add(Dependency("group", c.arguments[0], name), node.uuid, None)
            for arg in c.arguments:
                template_sites.append((node.uuid, None, None, arg))

    def _template_refs(self, template_sites: list[tuple[str, str | None, str | None, str]]) -> None:
        for node_uuid, action_uuid, lang, t in template_sites:
            for kind, key in template_refs(t):
                if kind == "field":
                    self._add(Dependency("field", key, "", by_key=True), node_uuid, action_uuid, lang)
                elif kind == "global":
                    self._add(Dependency("global", key, "", by_key=True), node_uuid, action_uuid, lang)
                elif kind == "local":
                    self.locals.add(key)
                elif kind == "parent_result" and key not in self.parent_refs:
                    self.parent_refs.append(key)

    def as_json(self) -> list[dict[str, Any]]:
        out = []
        for d in self.items:
            ref = d.ref()
            if d.missing:
                ref["missing"] = True
            out.append(ref)
        return out
