"""Word segmentation shared by word functions, router case tests and first names.

As goflow's utils.TokenizeString: a word is a run of marks, letters, numbers, underscores and ASCII
apostrophes, and every symbol (currency, maths, emoji...) is a word of its own; everything else
(spaces, punctuation such as . , - ’) separates words. So "1.5" is two words and "Jean-Paul" too.
"""

from __future__ import annotations

import regex

_WORD_RE = regex.compile(r"[\p{M}\p{L}\p{N}_']+|\p{S}")


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
