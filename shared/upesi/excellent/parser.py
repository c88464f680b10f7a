"""Recursive-descent parser for Excellent expressions producing a small tuple AST.

Precedence, highest first: atoms (names, .key, [index], calls, parentheses) > unary minus > ^ >
* / > + - > comparisons > = != > & > anonymous functions. Literals are not atoms, so `"abc".v`
or `NULL.x` are syntax errors, as in goflow.

AST nodes are tuples (cheap to build and to walk):
  ("lit", value) ("ref", name) ("dot", node, key) ("idx", node, expr) ("call", node, [args])
  ("neg", node) ("bin", op, left, right) ("lambda", [params], body)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from upesi.excellent.lexer import ExcellentSyntaxError, Token, tokenize, unquote

Node = tuple[Any, ...]

_COMPARISON = {"<", "<=", ">", ">="}
_EQUALITY = {"=", "!=", "<>"}


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_op(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "op" and t.text == text

    def error(self, t: Token | None = None) -> ExcellentSyntaxError:
        t = t or self.peek()
        return ExcellentSyntaxError(f"syntax error at {self.src[t.pos :].strip()}")

    def expect(self, text: str) -> None:
        if not self.is_op(text):
            raise self.error()
        self.i += 1

    def parse(self) -> Node:
        node = self.expression()
        if self.peek().kind != "eof":
            raise self.error()
        return node

    def expression(self) -> Node:
        lam = self.try_lambda()
        if lam is not None:
            return lam
        return self.concat()

    def try_lambda(self) -> Node | None:
        if not self.is_op("("):
            return None
        j = 1
        params: list[str] = []
        while True:
            t = self.peek(j)
            if t.kind != "name":
                if not params and t.kind == "op" and t.text == ")":
                    break
                return None
            params.append(t.text)
            j += 1
            if self.is_op(",", j):
                j += 1
                continue
            break
        if not (self.is_op(")", j) and self.is_op("=>", j + 1)):
            return None
        self.i += j + 2
        body = self.expression()
        return ("lambda", [p.lower() for p in params], body)

    def concat(self) -> Node:
        left = self.equality()
        while self.is_op("&"):
            self.i += 1
            left = ("bin", "&", left, self.equality())
        return left

    def equality(self) -> Node:
        left = self.comparison()
        while self.peek().kind == "op" and self.peek().text in _EQUALITY:
            op = self.next().text
            left = ("bin", "!=" if op == "<>" else op, left, self.comparison())
        return left

    def comparison(self) -> Node:
        left = self.additive()
        while self.peek().kind == "op" and self.peek().text in _COMPARISON:
            op = self.next().text
            left = ("bin", op, left, self.additive())
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            op = self.next().text
            left = ("bin", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Node:
        left = self.exponent()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            op = self.next().text
            left = ("bin", op, left, self.exponent())
        return left

    def exponent(self) -> Node:
        left = self.unary()
        while self.is_op("^"):
            self.i += 1
            left = ("bin", "^", left, self.unary())
        return left

    def unary(self) -> Node:
        if self.is_op("-"):
            self.i += 1
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> Node:
        t = self.peek()
        if t.kind == "string":
            self.i += 1
            return ("lit", unquote(t.text))
        if t.kind == "number":
            self.i += 1
            d = Decimal(t.text)
            if abs(d) >= Decimal("1E+36"):
                return ("lit_err", f"number {t.text} is out of range")
            return ("lit", d)
        if t.kind == "name":
            low = t.text.lower()
            if low in ("true", "false"):
                self.i += 1
                return ("lit", low == "true")
            if low == "null":
                self.i += 1
                return ("lit", None)
        return self.postfix(self.atom())

    def atom(self) -> Node:
        t = self.peek()
        if t.kind == "name":
            self.i += 1
            return ("ref", t.text)
        if self.is_op("("):
            lam = self.try_lambda()
            if lam is not None:
                return lam
            self.i += 1
            inner = self.expression()
            self.expect(")")
            return inner
        raise self.error()

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_op("."):
                self.i += 1
                t = self.next()
                if t.kind not in ("key", "name", "number"):
                    raise self.error(t)
                node = ("dot", node, t.text)
            elif self.is_op("["):
                self.i += 1
                idx = self.expression()
                self.expect("]")
                node = ("idx", node, idx)
            elif self.is_op("("):
                self.i += 1
                args: list[Node] = []
                if not self.is_op(")"):
                    args.append(self.expression())
                    while self.is_op(","):
                        self.i += 1
                        args.append(self.expression())
                self.expect(")")
                node = ("call", node, args)
            else:
                return node


def parse_expression(src: str) -> Node:
    """Parse an expression, raising ExcellentSyntaxError. Results are not cached here (see template)."""
    return _Parser(src).parse()
