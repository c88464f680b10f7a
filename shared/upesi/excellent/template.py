"""Template scanning and evaluation with a parse cache.

A template is literal text with `@path.to.value` and `@(expression)` items; `@@` is a literal @.
An `@word` whose first segment is not a top-level name in the context stays literal, so e-mail
addresses and prose survive. Parsing is cached per template string because the same templates
are rendered for every contact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upesi.excellent.env import Environment
from upesi.excellent.evaluator import evaluate
from upesi.excellent.lexer import ExcellentSyntaxError
from upesi.excellent.parser import parse_expression
from upesi.excellent.scope import Scope
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import XError, XObject

MAX_TEMPLATE_CHARS = 10_000
_CACHE_SIZE = 20_000

# a parsed template is a list of parts: plain strings, or Item tuples
# (source text including the @, top-level name or None for @( ), AST or None, syntax error or None)
Item = tuple[str, str | None, tuple[Any, ...] | None, str | None]
_template_cache: dict[str, list[str | Item]] = {}
_expr_cache: dict[str, tuple[Any, ...] | ExcellentSyntaxError] = {}


def _is_ident_start(c: str) -> bool:
    return c.isalpha() or c == "_"


def _is_ident_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c == "."


def _compile(src: str) -> tuple[tuple[Any, ...] | None, str | None]:
    cached = _expr_cache.get(src)
    if cached is None:
        try:
            cached = parse_expression(src)
        except ExcellentSyntaxError as e:
            cached = e
        if len(_expr_cache) > _CACHE_SIZE:
            _expr_cache.clear()
        _expr_cache[src] = cached
    if isinstance(cached, ExcellentSyntaxError):
        return None, cached.message
    return cached, None


def _find_close_paren(t: str, start: int) -> int:
    """Index of the ) closing the ( at start, skipping string literals; -1 if unclosed."""
    depth = 0
    i = start
    n = len(t)
    while i < n:
        c = t[i]
        if c == '"':
            i += 1
            while i < n and t[i] != '"':
                if t[i] == "\\":
                    i += 1
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def parse_template(t: str) -> list[str | Item]:
    cached = _template_cache.get(t)
    if cached is not None:
        return cached
    parts: list[str | Item] = []
    buf: list[str] = []
    i = 0
    n = len(t)
    while i < n:
        c = t[i]
        if c != "@" or i + 1 >= n:
            buf.append(c)
            i += 1
            continue
        nxt = t[i + 1]
        if nxt == "@":
            buf.append("@")
            i += 2
        elif nxt == "(":
            end = _find_close_paren(t, i + 1)
            if end < 0:
                buf.append(t[i:])
                break
            if buf:
                parts.append("".join(buf))
                buf = []
            src = t[i + 2 : end]
            ast, err = _compile(src)
            parts.append((t[i : end + 1], None, ast, err))
            i = end + 1
        elif _is_ident_start(nxt):
            j = i + 1
            while j < n and _is_ident_char(t[j]):
                j += 1
            ident = t[i + 1 : j].rstrip(".")
            j = i + 1 + len(ident)
            if buf:
                parts.append("".join(buf))
                buf = []
            top = ident.split(".", 1)[0]
            ast, err = _compile(ident)
            parts.append((t[i:j], top, ast, err))
            i = j
        else:
            buf.append(c)
            i += 1
    if buf:
        parts.append("".join(buf))
    if len(_template_cache) > _CACHE_SIZE:
        _template_cache.clear()
    _template_cache[t] = parts
    return parts


class EvalError:
    """An error from evaluating one item of a template."""

    __slots__ = ("expression", "message")

    def __init__(self, expression: str, message: str) -> None:
        self.expression = expression
        self.message = message

    def __str__(self) -> str:
        return f"error evaluating {self.expression}: {self.message}"

    __repr__ = __str__


def _as_root(context: Any) -> XObject:
    if isinstance(context, XObject):
        return context
    if isinstance(context, dict):
        from upesi.excellent.types.convert import from_json

        return from_json(context)
    raise TypeError("context must be an XObject or dict")


def evaluate_template(
    template: str,
    context: Any,
    env: Environment | None = None,
    escape: Callable[[str], str] | None = None,
    truncate: bool = True,
    warnings: list[str] | None = None,
) -> tuple[str, list[EvalError]]:
    """Render a template against a context; returns the text and the errors of failing items."""
    if "@" not in template:
        return template, []
    root = _as_root(context)
    env = env or _DEFAULT_ENV
    errors: list[EvalError] = []
    out: list[str] = []
    scope: Scope | None = None
    for part in parse_template(template):
        if isinstance(part, str):
            out.append(part)
            continue
        src, top, ast, err = part
        if top is not None and not root.has(top):
            out.append(src)
            continue
        if err is not None:
            errors.append(EvalError(src, err))
            continue
        if scope is None:
            scope = Scope(root, warnings=warnings)
        value = evaluate(ast, env, scope)  # type: ignore[arg-type]
        if isinstance(value, XError):
            errors.append(EvalError(src, value.message))
            continue
        text = to_text(value)
        out.append(escape(text) if escape else text)
    result = "".join(out)
    if truncate and len(result) > MAX_TEMPLATE_CHARS:
        result = result[: MAX_TEMPLATE_CHARS - 3] + "..."
    return result, errors


def evaluate_template_value(
    template: str,
    context: Any,
    env: Environment | None = None,
    warnings: list[str] | None = None,
    errors: list[EvalError] | None = None,
) -> Any:
    """Evaluate a template that is a single item to its typed value (not stringified; an error is
    returned as its XError). Any other template is rendered as text, its errors added to `errors`."""
    root = _as_root(context)
    env = env or _DEFAULT_ENV
    parts = parse_template(template.strip())
    if len(parts) == 1 and not isinstance(parts[0], str):
        src, top, ast, err = parts[0]
        if top is not None and not root.has(top):
            return src
        if err is not None:
            return XError(err)
        return evaluate(ast, env, Scope(root, warnings=warnings))  # type: ignore[arg-type]
    text, errs = evaluate_template(template, root, env, warnings=warnings)
    if errors is not None:
        errors.extend(errs)
    return text


def evaluate_expression(expr: str, context: Any, env: Environment | None = None) -> Any:
    """Evaluate a bare expression (no @) to a typed value; syntax errors come back as XError."""
    ast, err = _compile(expr)
    if err is not None:
        return XError(err)
    return evaluate(ast, env or _DEFAULT_ENV, Scope(_as_root(context)))  # type: ignore[arg-type]


_DEFAULT_ENV = Environment()
