"""Lexer and recursive-descent parser for the contact query grammar.

    query      := or_expr? EOF
    or_expr    := and_expr (OR and_expr)*
    and_expr   := term (AND? term)*          -- juxtaposed terms are an implicit AND
    term       := "(" or_expr ")" | TEXT COMPARATOR value | TEXT | STRING
    value      := TEXT | STRING

AND binds tighter than OR, as in RapidPro. `is` and `has` are spellings of `=` and `~`. The parser only
builds the shape; what a property means is decided by query.py against the workspace's assets.
"""

from dataclasses import dataclass
from enum import Enum

from upesi.contactql import errors
from upesi.contactql.nodes import Op


class Tok(Enum):
    LPAREN = "("
    RPAREN = ")"
    AND = "AND"
    OR = "OR"
    COMPARATOR = "comparator"
    TEXT = "text"
    STRING = "string"
    EOF = "end of query"


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str  # for STRING the unescaped content
    pos: int

    def describe(self) -> str:
        return "end of query" if self.kind is Tok.EOF else repr(self.text)


_COMPARATORS = ("!=", ">=", "<=", "=", "~", ">", "<")
_ALIASES = {"is": "=", "has": "~"}
_TEXT_PUNCT = set("_.-+/@:")


def _is_text_char(ch: str) -> bool:
    return ch.isalnum() or ch in _TEXT_PUNCT


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token(Tok.LPAREN if ch == "(" else Tok.RPAREN, ch, i))
            i += 1
        elif ch == '"':
            start, i, chars = i, i + 1, []
            while i < n and text[i] != '"':
                # backslash escapes a quote or a backslash; anything else is kept as written
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\':
                    i += 1
                chars.append(text[i])
                i += 1
            if i >= n:
                raise errors.QueryError(
                    errors.SYNTAX, f"unterminated string starting at position {start}", position=start
                )
            tokens.append(Token(Tok.STRING, "".join(chars), start))
            i += 1
        elif comp := next((c for c in _COMPARATORS if text.startswith(c, i)), None):
            tokens.append(Token(Tok.COMPARATOR, comp, i))
            i += len(comp)
        elif _is_text_char(ch):
            start = i
            while i < n and _is_text_char(text[i]):
                i += 1
            word = text[start:i]
            lower = word.lower()
            if lower in ("and", "or"):
                tokens.append(Token(Tok.AND if lower == "and" else Tok.OR, word, start))
            elif lower in _ALIASES:
                tokens.append(Token(Tok.COMPARATOR, _ALIASES[lower], start))
            else:
                tokens.append(Token(Tok.TEXT, word, start))
        else:
            raise errors.QueryError(
                errors.SYNTAX, f"unexpected character {ch!r} at position {i}", position=i, token=ch
            )
    tokens.append(Token(Tok.EOF, "", n))
    return tokens


@dataclass(frozen=True)
class RawCondition:
    """`prop op value`, or a bare term when prop is None (its meaning is decided later)."""

    prop: str | None
    op: Op | None
    value: str


@dataclass(frozen=True)
class RawCombination:
    op: str  # "AND" or "OR"
    children: tuple["RawNode", ...]


RawNode = RawCondition | RawCombination


MAX_DEPTH = 50  # nested parentheses; bounds recursion on untrusted input


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str) -> errors.QueryError:
        tok = self.tok
        return errors.QueryError(
            errors.SYNTAX,
            f"unexpected {tok.describe()} at position {tok.pos}, expecting {expected}",
            position=tok.pos,
            token=tok.text,
        )

    def parse(self) -> RawNode | None:
        if self.tok.kind is Tok.EOF:
            return None
        node = self.or_expr()
        if self.tok.kind is not Tok.EOF:
            raise self.fail("AND, OR or a condition")
        return node

    def or_expr(self) -> RawNode:
        children = [self.and_expr()]
        while self.tok.kind is Tok.OR:
            self.advance()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else RawCombination("OR", tuple(children))

    def and_expr(self) -> RawNode:
        children = [self.term()]
        while self.tok.kind in (Tok.AND, Tok.TEXT, Tok.STRING, Tok.LPAREN):
            if self.tok.kind is Tok.AND:
                self.advance()
            children.append(self.term())
        return children[0] if len(children) == 1 else RawCombination("AND", tuple(children))

    def term(self) -> RawNode:
        tok = self.tok
        if tok.kind is Tok.LPAREN:
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise errors.QueryError(
                    errors.TOO_COMPLEX,
                    f"query nests parentheses more than {MAX_DEPTH} deep",
                    max_depth=MAX_DEPTH,
                )
            node = self.or_expr()
            self.depth -= 1
            if self.tok.kind is not Tok.RPAREN:
                raise self.fail("')'")
            self.advance()
            return node
        if tok.kind is Tok.STRING:
            self.advance()
            return RawCondition(None, None, tok.text)
        if tok.kind is Tok.TEXT:
            self.advance()
            if self.tok.kind is not Tok.COMPARATOR:
                return RawCondition(None, None, tok.text)
            op = Op(self.advance().text)
            if self.tok.kind not in (Tok.TEXT, Tok.STRING):
                raise self.fail(f"a value after '{op.value}'")
            return RawCondition(tok.text, op, self.advance().text)
        raise self.fail("a condition")


def parse_tree(text: str) -> RawNode | None:
    """The raw tree of a query, or None for an empty query. Raises QueryError(syntax)."""
    return _Parser(tokenize(text)).parse()
