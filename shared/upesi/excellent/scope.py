"""Name resolution for evaluation: lambda parameters shadow the root context, which shadows functions."""

from __future__ import annotations

from typing import Any

from upesi.excellent.types.values import XObject

_MISSING = object()


class Scope:
    __slots__ = ("parent", "root", "vars", "warnings")

    def __init__(
        self,
        root: XObject | None,
        vars: dict[str, Any] | None = None,
        parent: Scope | None = None,
        warnings: list[str] | None = None,
    ):
        self.root = root
        self.vars = vars
        self.parent = parent
        self.warnings = warnings

    def child(self, vars: dict[str, Any]) -> Scope:
        return Scope(self.root, {k.lower(): v for k, v in vars.items()}, self, self.warnings)

    def warn(self, message: str) -> None:
        if self.warnings is not None and message not in self.warnings:
            self.warnings.append(message)

    def get(self, name: str) -> Any:
        s: Scope | None = self
        low = name.lower()
        while s is not None:
            if s.vars is not None and low in s.vars:
                return s.vars[low]
            s = s.parent
        if self.root is not None:
            return self.root.get(name, _MISSING)
        return _MISSING


MISSING = _MISSING
