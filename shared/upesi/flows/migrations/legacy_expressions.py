"""Migration of legacy (RapidPro v11 and earlier) expressions to Excellent.

Covers the common cases: @contact.<field> -> @fields.<field>, @flow.<result> -> @results.<result>,
@step.value -> @input, @extra -> @legacy_extra, @date.* -> functions, upper-case function names
and "" escapes in strings. Unknown constructs are left as they are.
"""

from __future__ import annotations

import re

from upesi.flows.contact import URN_SCHEMES

_CONTACT_BUILTINS = {"uuid", "name", "first_name", "language", "groups", "created_on", "id"}
_PATH_RE = re.compile(
    r"(?<![\w.@])(contact|flow|step|extra|child|parent|date|channel)((?:\.\w+)*)", re.IGNORECASE
)
_DQ_RE = re.compile(r'""')


def migrate_path(path: str) -> tuple[str, bool]:
    """A dotted legacy reference -> (Excellent expression, needs a full @(...) expression)."""
    parts = path.split(".")
    root = parts[0].lower()
    rest = [p.lower() for p in parts[1:]]
    if root == "contact":
        if not rest:
            return "contact", False
        key = rest[0]
        if key in _CONTACT_BUILTINS:
            return "contact." + ".".join(rest), False
        if key in URN_SCHEMES or key == "tel_e164":
            if key == "tel_e164":
                return "urns.tel", False
            return f"format_urn(urns.{key})", True
        return "fields." + ".".join(rest), False
    if root == "flow":
        if not rest:
            return "results", False
        key = rest[0]
        sub = rest[1] if len(rest) > 1 else ""
        mapped = {"text": "input", "category": "category", "value": "value", "time": "created_on"}.get(
            sub, sub
        )
        return f"results.{key}" + (f".{mapped}" if mapped else ""), False
    if root == "step":
        if not rest or rest[0] == "value":
            return "input", False
        if rest[0] == "text":
            return "input.text", False
        if rest[0] == "attachments":
            return "input.attachments", False
        if rest[0] == "contact":
            return migrate_path("contact." + ".".join(rest[1:]) if rest[1:] else "contact")
        return "input", False
    if root == "extra":
        return "legacy_extra" + ("." + ".".join(rest) if rest else ""), False
    if root in ("child", "parent"):
        if not rest:
            return root, False
        if rest[0] == "contact":
            return root + "." + ".".join(rest), False
        return f"{root}.results." + ".".join(rest), False
    if root == "date":
        key = rest[0] if rest else "now"
        return {
            "now": "now()",
            "today": "today()",
            "tomorrow": 'datetime_add(today(), 1, "D")',
            "yesterday": 'datetime_add(now(), -1, "D")',
        }.get(key, "now()"), True
    if root == "channel":
        return "contact.channel" + ("." + ".".join(rest) if rest else ""), False
    return path, False


def _migrate_inner(expr: str) -> str:
    """Rewrite the names inside a legacy @( ) expression, leaving string literals alone."""
    out, last = [], 0
    for m in re.finditer(r'"(?:[^"]|"")*"', expr):
        out.append(_rewrite_code(expr[last : m.start()]))
        out.append('"' + m.group()[1:-1].replace('""', '\\"') + '"')
        last = m.end()
    out.append(_rewrite_code(expr[last:]))
    return "".join(out)


_DATE_ARITH_RE = re.compile(r"(today\(\)|now\(\))\s*([+-])\s*(-?\d+)")
_FUNC_RE = re.compile(r"\b([A-Z][A-Z_0-9]*)\s*\(")


def _rewrite_code(code: str) -> str:
    code = _PATH_RE.sub(lambda m: migrate_path(m.group(1) + m.group(2))[0], code)
    code = _FUNC_RE.sub(lambda m: m.group(1).lower() + "(", code)
    code = _DATE_ARITH_RE.sub(
        lambda m: f'datetime_add({m.group(1)}, {"-" if m.group(2) == "-" else ""}{m.group(3)}, "D")'.replace(
            "--", ""
        ),
        code,
    )
    return code


_ITEM_RE = re.compile(
    r"@@|@\((?:[^()\"]|\"(?:[^\"]|\"\")*\"|\((?:[^()]|\([^()]*\))*\))*\)|@[A-Za-z_][\w]*(?:\.\w+)*"
)


def migrate_legacy_template(t: str) -> str:
    """Migrate a legacy template: @paths and @(expressions)."""
    if not t or "@" not in t:
        return t

    def item(m: re.Match[str]) -> str:
        s = m.group()
        if s == "@@":
            return "@@"
        if s.startswith("@("):
            return "@(" + _migrate_inner(s[2:-1]) + ")"
        path = s[1:].rstrip(".")
        trailing = s[1 + len(path) :]
        root = path.split(".", 1)[0].lower()
        if root not in ("contact", "flow", "step", "extra", "child", "parent", "date", "channel"):
            return s
        new, needs_expr = migrate_path(path)
        return (f"@({new})" if needs_expr else f"@{new}") + trailing

    return _ITEM_RE.sub(item, t)
