"""Word segmentation shared by word functions and router case tests.

goflow uses Unicode word segmentation; this approximation treats runs of letters/digits joined by
inner apostrophes, periods, commas or colons as one word, and each emoji as a word of its own.
"""

from __future__ import annotations

import regex

# digits may be joined by . or , (1.5, 1,000); letters only by apostrophes (don't), so
# "bee.cat,dog" is three words as in goflow
_WORD_RE = regex.compile(r"\d+(?:[.,]\d+)+(?!\w)|\w+(?:['’]\w+)*|\p{Extended_Pictographic}", regex.UNICODE)


def tokenize_words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def tokenize_words_with_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def split_by_delimiters(text: str, delims: str) -> list[str]:
    """Split on any of the delimiter characters, dropping empty pieces."""
    if not delims:
        return tokenize_words(text)
    out: list[str] = []
    cur: list[str] = []
    dset = set(delims)
    for c in text:
        if c in dset:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(c)
    if cur:
        out.append("".join(cur))
    return out
