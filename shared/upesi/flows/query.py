"""A small in-memory evaluator for contact queries, used to keep query (smart) groups current as a
flow changes a contact. It understands what group queries typically use: field/attribute/URN
conditions with = != ~ > >= < <=, "" for set/unset, AND, OR and parentheses."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from upesi.flows.contact import URN_SCHEMES, contact_urns

_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(!=|>=|<=|=|~|>|<)|([^\s()"=!~<>]+))')


class QueryError(ValueError):
    pass


def _tokens(q: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    q = q.strip()
    while pos < len(q):
        m = _TOKEN_RE.match(q, pos)
        if not m or m.end() == pos:
            raise QueryError(f"can't parse query at: {q[pos:]}")
        pos = m.end()
        lp, rp, string, op, word = m.groups()
        if lp:
            out.append(("(", lp))
        elif rp:
            out.append((")", rp))
        elif string is not None:
            out.append(("str", string[1:-1].replace('\\"', '"')))
        elif op:
            out.append(("op", op))
        elif word.upper() in ("AND", "OR"):
            out.append((word.upper(), word))
        else:
            out.append(("word", word))
    return out


class _Parser:
    def __init__(self, q: str) -> None:
        self.toks = _tokens(q)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Any:
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError("unexpected input at end of query")
        return node

    def or_expr(self) -> Any:
        left = self.and_expr()
        while self.peek() and self.peek()[0] == "OR":  # type: ignore[index]
            self.i += 1
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self) -> Any:
        left = self.term()
        while self.peek() and self.peek()[0] in ("AND", "(", "word"):  # type: ignore[index]
            if self.peek()[0] == "AND":  # type: ignore[index]
                self.i += 1
            left = ("and", left, self.term())
        return left

    def term(self) -> Any:
        t = self.peek()
        if t is None:
            raise QueryError("unexpected end of query")
        if t[0] == "(":
            self.i += 1
            node = self.or_expr()
            if self.peek() is None or self.peek()[0] != ")":  # type: ignore[index]
                raise QueryError("missing )")
            self.i += 1
            return node
        if t[0] != "word":
            raise QueryError(f"unexpected {t[1]}")
        self.i += 1
        op = self.peek()
        if op is None or op[0] != "op":
            return ("cond", "*", "~", t[1])  # a bare word searches the name
        self.i += 1
        val = self.peek()
        if val is None or val[0] not in ("word", "str"):
            raise QueryError(f"missing value after {t[1]} {op[1]}")
        self.i += 1
        return ("cond", t[1].lower(), op[1], val[1])


_CACHE: dict[str, Any] = {}


def parse_query(q: str) -> Any:
    node = _CACHE.get(q)
    if node is None:
        node = _Parser(q).parse()
        _CACHE[q] = node
    return node


def _num(s: Any) -> Decimal | None:
    try:
        return Decimal(str(s))
    except InvalidOperation:
        return None


def _compare(actual: str | None, op: str, value: str, numeric: bool) -> bool:
    if value == "":
        return (actual in (None, "")) if op == "=" else (actual not in (None, ""))
    if actual in (None, ""):
        return op == "!="
    if numeric:
        a, v = _num(actual), _num(value)
        if a is None or v is None:
            return False
        return {"=": a == v, "!=": a != v, ">": a > v, ">=": a >= v, "<": a < v, "<=": a <= v}.get(op, False)
    a_low, v_low = str(actual).lower(), value.lower()
    if op == "=":
        return a_low == v_low
    if op == "!=":
        return a_low != v_low
    if op == "~":
        return v_low in a_low
    return False


def _matches(node: Any, contact: dict[str, Any], fields: dict[str, dict[str, Any]]) -> bool:
    kind = node[0]
    if kind == "and":
        return _matches(node[1], contact, fields) and _matches(node[2], contact, fields)
    if kind == "or":
        return _matches(node[1], contact, fields) or _matches(node[2], contact, fields)
    _, key, op, value = node
    if key in ("*", "name"):
        return _compare(contact.get("name") or "", op, value, False)
    if key in ("language", "status", "uuid"):
        return _compare(contact.get(key) or "", op, value, False)
    if key == "tickets":
        # as goflow: the number of open tickets (closing one takes the contact out of "tickets > 0")
        open_count = sum(1 for t in contact.get("tickets") or [] if t.get("status", "open") == "open")
        return _compare(str(open_count), op, value, True)
    if key in ("last_seen_on", "created_on"):
        day = (contact.get(key) or "")[:10] or None
        if value == "" or op in ("=", "!="):
            return _compare(day, op, value, False)
        if day is None:
            return False
        return {">": day > value, ">=": day >= value, "<": day < value, "<=": day <= value}.get(op, False)
    if key in URN_SCHEMES or key == "urn":
        paths = [u.path for u in contact_urns(contact) if key == "urn" or u.scheme == key]
        if value == "":
            return (not paths) if op == "=" else bool(paths)
        if op == "!=":
            return all(_compare(p, "!=", value, False) for p in paths)
        return any(_compare(p, op, value, False) for p in paths)
    fdef = fields.get(key)
    if fdef is None:
        raise QueryError(f"can't resolve '{key}' to a field or attribute")
    fval = (contact.get("fields") or {}).get(key) or {}
    ftype = fdef.get("type") or "text"
    if ftype == "number":
        return _compare(fval.get("number") if fval else None, op, value, True)
    if ftype in ("state", "district", "ward"):
        path = fval.get(ftype)
        name = path.rsplit(" > ", 1)[-1] if path else None
        return _compare(name, op, value, False)
    if ftype == "datetime":
        return _compare((fval.get("datetime") or "")[:10] or None, op, value, False)
    return _compare(fval.get("text") if fval else None, op, value, False)


def contact_matches(query: str, contact: dict[str, Any], fields: dict[str, dict[str, Any]]) -> bool:
    return _matches(parse_query(query), contact, fields)
