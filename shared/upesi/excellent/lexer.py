"""Tokeniser for Excellent expressions (the text inside @( ... ) or an @path)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# order matters: longer operators before their prefixes
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op><=|>=|!=|<>|=>|[-+*/^&=<>().,\[\]])
    """,
    re.VERBOSE | re.UNICODE | re.DOTALL,
)
# after a "." any run of word characters is a key (e.g. @results.2factor, @array.0); a decimal
# such as the "0.2" in @array.0.2 stays one key, which then fails as an index, as in goflow
_KEY_RE = re.compile(r"\d+\.\d+|\w+", re.UNICODE)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f"}


class ExcellentSyntaxError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Token:
    kind: str  # string | number | name | key | op | eof
    text: str
    pos: int


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(src)
    while pos < n:
        if tokens and tokens[-1].kind == "op" and tokens[-1].text == ".":
            m = _KEY_RE.match(src, pos)
            if m:
                tokens.append(Token("key", m.group(), pos))
                pos = m.end()
                continue
        m = _TOKEN_RE.match(src, pos)
        if m is None:
            raise ExcellentSyntaxError(f"syntax error at {src[pos:].strip()}")
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "", n))
    return tokens


def unquote(s: str) -> str:
    """Decode a string literal's escapes: \\n, \\", \\uXXXX, \\UXXXXXXXX."""
    body = s[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            e = body[i + 1]
            if e == "u" and i + 6 <= len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            if e == "U" and i + 10 <= len(body):
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
                continue
            out.append(_ESCAPES.get(e, "\\" + e))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
