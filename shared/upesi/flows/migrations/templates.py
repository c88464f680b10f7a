"""Rewriting the Excellent templates inside a definition (used by migrations that rename things)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from upesi.flows.template_keys import map_templates

CONTEXT_ROOTS = {
    "contact",
    "fields",
    "urns",
    "results",
    "input",
    "run",
    "child",
    "parent",
    "webhook",
    "trigger",
    "globals",
    "locals",
    "legacy_extra",
    "node",
    "resume",
    "ticket",
}
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')


def rewrite_expression(expr: str, fn: Callable[[str], str]) -> str:
    """Apply fn to the parts of an expression outside string literals."""
    out, last = [], 0
    for m in _STRING_RE.finditer(expr):
        out.append(fn(expr[last : m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(fn(expr[last:]))
    return "".join(out)


def rewrite_template(template: str, fn: Callable[[str], str], wrap: bool = False) -> str:
    """Apply fn to every expression in a template: the bodies of @(...) and @path items.

    With wrap=True, fn gets whole expressions and @path items become @(...) expressions."""
    from upesi.excellent.template import parse_template

    if "@" not in template:
        return template
    out = []
    for part in parse_template(template):
        if isinstance(part, str):
            out.append(part.replace("@", "@@"))
            continue
        src, top = part[0], part[1]
        if top is not None and top.lower() not in CONTEXT_ROOTS:
            out.append(src)  # not an expression (an e-mail address, a handle...)
            continue
        if wrap:
            out.append("@(" + fn(src[2:-1] if src.startswith("@(") else src[1:]) + ")")
        elif src.startswith("@("):
            out.append("@(" + rewrite_expression(src[2:-1], fn) + ")")
        else:
            out.append("@" + fn(src[1:]))
    return "".join(out)


def rewrite_all_templates(d: dict[str, Any], fn: Callable[[str], str]) -> None:
    """Rewrite templates in actions, router operands and case arguments, and localized values."""
    tfn = lambda t: rewrite_template(t, fn)  # noqa: E731
    for node in d.get("nodes") or []:
        node["actions"] = [map_templates(a, tfn) for a in node.get("actions") or []]
        r = node.get("router")
        if r:
            if r.get("operand"):
                r["operand"] = tfn(r["operand"])
            for c in r.get("cases") or []:
                c["arguments"] = [tfn(a) for a in c.get("arguments") or []]
    for items in (d.get("localization") or {}).values():
        for props in items.values():
            for k, vals in props.items():
                if isinstance(vals, list):
                    props[k] = [tfn(x) if isinstance(x, str) else x for x in vals]


def iter_actions(d: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for node in d.get("nodes") or []:
        yield from node.get("actions") or []
