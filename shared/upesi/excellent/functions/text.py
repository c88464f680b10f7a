"""Text builtins: case, trimming, words, slicing, replacing."""

from __future__ import annotations

import html
import urllib.parse
from typing import Any

import regex

from upesi.excellent.functions.args import int_arg, number_arg, text_arg
from upesi.excellent.functions.registry import builtin
from upesi.excellent.functions.words import split_by_delimiters, tokenize_words, tokenize_words_with_spans
from upesi.excellent.types.values import XError

MAX_TEXT = 10_000


def _t(v: Any) -> Any:
    return text_arg(v)


@builtin("upper", 1)
def upper(env: Any, s: Any) -> Any:
    t = _t(s)
    up = t.upper()
    if len(up) == len(t):
        return up
    # Go upper-cases character by character (ß stays ß) rather than expanding
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in t)


@builtin("lower", 1)
def lower(env: Any, s: Any) -> Any:
    return _t(s).lower()


_TITLE_RE = regex.compile(r"\w+", regex.UNICODE)


@builtin("title", 1)
def title(env: Any, s: Any) -> Any:
    return _TITLE_RE.sub(lambda m: m.group()[0].upper() + m.group()[1:].lower(), _t(s))


@builtin("text_length", 1)
def text_length(env: Any, s: Any) -> Any:
    from decimal import Decimal

    return Decimal(len(_t(s)))


@builtin("char", 1)
def char(env: Any, n: Any) -> Any:
    i = int_arg(n)
    if isinstance(i, XError):
        return i
    try:
        return chr(i)
    except (ValueError, OverflowError):
        return XError(f"{i} is not a valid character code")


@builtin("code", 1)
def code(env: Any, s: Any) -> Any:
    from decimal import Decimal

    t = _t(s)
    if not t:
        return XError("requires a string of at least one character")
    return Decimal(ord(t[0]))


def _trim_chars(chars: Any) -> str | XError | None:
    if chars is None:
        return None
    c = text_arg(chars)
    return c


@builtin("trim", 1, 2)
def trim(env: Any, s: Any, chars: Any = None) -> Any:
    c = _trim_chars(chars)
    return _t(s).strip(c) if c else _t(s).strip()


@builtin("trim_left", 1, 2)
def trim_left(env: Any, s: Any, chars: Any = None) -> Any:
    c = _trim_chars(chars)
    return _t(s).lstrip(c) if c else _t(s).lstrip()


@builtin("trim_right", 1, 2)
def trim_right(env: Any, s: Any, chars: Any = None) -> Any:
    c = _trim_chars(chars)
    return _t(s).rstrip(c) if c else _t(s).rstrip()


def _words(s: str, delims: Any) -> list[str]:
    if delims is None:
        return tokenize_words(s)
    return split_by_delimiters(s, text_arg(delims))


_NON_DELIM_RE = regex.compile(r"[^\s\p{P}]+")


@builtin("split", 1, 2)
def split(env: Any, s: Any, delims: Any = " ") -> Any:
    if delims is None or text_arg(delims) == "":
        # no delimiters: split on whitespace and punctuation
        return _NON_DELIM_RE.findall(_t(s))
    return split_by_delimiters(_t(s), text_arg(delims))


@builtin("word", 2, 3)
def word(env: Any, s: Any, index: Any, delims: Any = None) -> Any:
    i = int_arg(index)
    if isinstance(i, XError):
        return i
    words = _words(_t(s), delims)
    if i >= len(words) or i < -len(words):
        return XError(f"index {i} is out of range for the number of words {len(words)}")
    return words[i]


@builtin("word_count", 1, 2)
def word_count(env: Any, s: Any, delims: Any = None) -> Any:
    from decimal import Decimal

    return Decimal(len(_words(_t(s), delims)))


@builtin("word_slice", 2, 4)
def word_slice(env: Any, s: Any, start: Any, end: Any = None, delims: Any = None) -> Any:
    st = int_arg(start)
    if isinstance(st, XError):
        return st
    if st < 0:
        return XError("must start with a positive index")
    en: int | None = None
    if end is not None:
        e = int_arg(end)
        if isinstance(e, XError):
            return e
        en = e if e > 0 else None  # a negative end means "to the end"
        if en is not None and en <= st:
            return XError("must have a end which is greater than the start")
    words = _words(_t(s), delims)
    return " ".join(words[st:en] if en is not None else words[st:])


@builtin("remove_first_word", 1)
def remove_first_word(env: Any, s: Any) -> Any:
    t = _t(s)
    spans = tokenize_words_with_spans(t)
    if len(spans) < 2:
        return ""
    return t[spans[1][1] :]


@builtin("field", 3)
def field(env: Any, s: Any, index: Any, delim: Any) -> Any:
    i = int_arg(index)
    if isinstance(i, XError):
        return i
    if i < 0:
        return XError("cannot use a negative index")
    t = _t(s)
    d = text_arg(delim)
    if d == "":
        fields = list(t)
    else:
        fields = t.split(d)
    if d == " ":
        fields = [f for f in fields if f]
    if i >= len(fields):
        return ""
    return fields[i].strip()


_NONPRINT_RE = regex.compile(r"[\p{Cc}\p{Cf}\p{Co}\p{Cs}]")


@builtin("clean", 1)
def clean(env: Any, s: Any) -> Any:
    return _NONPRINT_RE.sub("", _t(s))


@builtin("text_slice", 2, 3)
def text_slice(env: Any, s: Any, start: Any, end: Any = None) -> Any:
    t = _t(s)
    st = int_arg(start)
    if isinstance(st, XError):
        return st
    if end is None:
        return t[st:]
    en = int_arg(end)
    if isinstance(en, XError):
        return en
    return t[st:en]


@builtin("text_compare", 2)
def text_compare(env: Any, a: Any, b: Any) -> Any:
    from decimal import Decimal

    x, y = _t(a), _t(b)
    return Decimal((x > y) - (x < y))


@builtin("repeat", 2)
def repeat(env: Any, s: Any, count: Any) -> Any:
    n = int_arg(count)
    if isinstance(n, XError):
        return n
    if n < 0:
        return XError(f"must be called with a positive integer, got {n}")
    t = _t(s)
    if len(t) * n > MAX_TEXT:
        return XError(f"output would be more than {MAX_TEXT} characters")
    return t * n


@builtin("replace", 3, 4)
def replace(env: Any, s: Any, needle: Any, repl: Any, count: Any = None) -> Any:
    n = -1
    if count is not None:
        c = int_arg(count)
        if isinstance(c, XError):
            return c
        n = c
    return _t(s).replace(_t(needle), _t(repl), n)


@builtin("percent", 1)
def percent(env: Any, n: Any) -> Any:
    from upesi.excellent.types.convert import format_decimal

    d = number_arg(n)
    if isinstance(d, XError):
        return d
    r = (d * 100).quantize(1, rounding="ROUND_HALF_UP")
    if abs(r) > 2**63 - 1:
        return XError("number out of range")
    return format_decimal(r) + "%"


@builtin("url_encode", 1)
def url_encode(env: Any, s: Any) -> Any:
    return urllib.parse.quote(_t(s), safe="").replace("~", "%7E").replace("%7E", "~")


@builtin("html_decode", 1)
def html_decode(env: Any, s: Any) -> Any:
    return html.unescape(_t(s)).replace("\xa0", " ")


@builtin("regex_match", 2, 3)
def regex_match(env: Any, s: Any, pattern: Any, group: Any = None) -> Any:
    g = 0
    if group is not None:
        gi = int_arg(group)
        if isinstance(gi, XError):
            return gi
        g = gi
    try:
        rx = regex.compile(_t(pattern), regex.IGNORECASE)
    except regex.error:
        return XError(f"must be called with a valid regular expression, got {_t(pattern)}")
    m = rx.search(_t(s))
    if m is None:
        return ""
    if g < 0 or g > (rx.groups or 0):
        return XError("group number is out of range")
    return m.group(g) or ""


@builtin("read_chars", 1)
def read_chars(env: Any, s: Any) -> Any:
    chars = [c for c in _t(s) if not c.isspace()]
    # read in groups of three or four (like phone numbers) when the length allows it
    size = 3 if len(chars) % 3 == 0 else (4 if len(chars) % 4 == 0 else 1)
    groups = [" ".join(chars[i : i + size]) for i in range(0, len(chars), size)]
    return " , ".join(groups)
