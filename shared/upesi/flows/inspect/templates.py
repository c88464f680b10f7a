"""Finding what templates refer to: contact fields, locals and parent results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from upesi.excellent.template import parse_template


def _walk(node: Any) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, tuple) and node:
        yield node
        for child in node[1:]:
            if isinstance(child, tuple):
                yield from _walk(child)
            elif isinstance(child, list):
                for c in child:
                    yield from _walk(c)


def _path(node: tuple[Any, ...]) -> list[str] | None:
    """A lookup chain like contact.fields.age as ["contact", "fields", "age"]."""
    parts: list[str] = []
    while node[0] == "dot":
        parts.append(node[2].lower())
        node = node[1]
    if node[0] != "ref":
        return None
    parts.append(node[1].lower())
    return list(reversed(parts))


def template_refs(template: str) -> list[tuple[str, str]]:
    """(kind, key) pairs a template refers to; kind is field, local or parent_result."""
    if not isinstance(template, str) or "@" not in template:
        return []
    out: list[tuple[str, str]] = []
    for part in parse_template(template):
        if isinstance(part, str) or part[2] is None:
            continue
        for n in _walk(part[2]):
            if n[0] != "dot":
                continue
            p = _path(n)
            if not p:
                continue
            ref = None
            if len(p) == 2 and p[0] == "fields":
                ref = ("field", p[1])
            elif len(p) == 3 and p[0] in ("contact", "parent", "child") and p[1] == "fields":
                ref = ("field", p[2])
            elif len(p) == 4 and p[0] in ("parent", "child") and p[1] == "contact" and p[2] == "fields":
                ref = ("field", p[3])
            elif len(p) == 2 and p[0] == "globals":
                ref = ("global", p[1])
            elif len(p) == 2 and p[0] == "locals":
                ref = ("local", p[1])
            elif len(p) == 3 and p[0] == "parent" and p[1] == "results":
                ref = ("parent_result", p[2])
            if ref and ref not in out:
                out.append(ref)
    return out
