"""The in-memory flow definition: nodes, exits, routers, categories, cases, waits.

Actions stay as their JSON dicts (validated on read); the action modules interpret them at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Exit:
    uuid: str
    destination_uuid: str | None


@dataclass(slots=True)
class Category:
    uuid: str
    name: str
    exit_uuid: str


@dataclass(slots=True)
class Case:
    uuid: str
    type: str
    arguments: list[str]
    category_uuid: str


@dataclass(slots=True)
class Timeout:
    seconds: int
    category_uuid: str


@dataclass(slots=True)
class Wait:
    type: str  # msg | dial
    timeout: Timeout | None = None
    hint: dict[str, Any] | None = None
    phone: str = ""
    dial_limit_seconds: int = 0
    call_limit_seconds: int = 0


@dataclass(slots=True)
class Router:
    type: str  # switch | random
    categories: list[Category]
    wait: Wait | None = None
    result_name: str = ""
    operand: str = ""
    cases: list[Case] = field(default_factory=list)
    default_category_uuid: str = ""

    def category(self, uuid: str) -> Category | None:
        for c in self.categories:
            if c.uuid == uuid:
                return c
        return None


@dataclass(slots=True)
class Node:
    uuid: str
    actions: list[dict[str, Any]]
    router: Router | None
    exits: list[Exit]

    def exit(self, uuid: str) -> Exit | None:
        for e in self.exits:
            if e.uuid == uuid:
                return e
        return None


@dataclass
class Flow:
    uuid: str
    name: str
    spec_version: str
    language: str
    type: str
    revision: int
    expire_after_minutes: int
    localization: dict[str, dict[str, dict[str, list[str]]]]
    nodes: list[Node]
    definition: dict[str, Any]  # the (migrated) JSON the flow was read from
    _by_uuid: dict[str, Node] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_uuid = {n.uuid: n for n in self.nodes}

    def node(self, uuid: str) -> Node | None:
        return self._by_uuid.get(uuid)

    def reference(self) -> dict[str, Any]:
        ref: dict[str, Any] = {"uuid": self.uuid, "name": self.name}
        if self.revision:
            ref["revision"] = self.revision
        return ref

    def expire_minutes(self) -> int:
        """Expiry of waits: the flow's setting or the per-type default (3 days messaging, 5 minutes voice)."""
        if self.expire_after_minutes:
            return self.expire_after_minutes
        return 5 if self.type == "voice" else 60 * 24 * 3

    def localized(self, lang: str, item_uuid: str, prop: str) -> list[str] | None:
        loc = self.localization.get(lang)
        if not loc:
            return None
        item = loc.get(item_uuid)
        if not item:
            return None
        return item.get(prop)

    def to_json(self) -> dict[str, Any]:
        return self.definition
