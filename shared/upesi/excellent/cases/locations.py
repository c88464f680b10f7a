"""Location case tests: has_state, has_district, has_ward against the location assets.

A location matches when its name or one of its aliases appears in the text as whole words
(case-insensitive, punctuation ignored). The match is the location's path, e.g. "Rwanda > Kigali City".
"""

from __future__ import annotations

from typing import Any

import regex

from upesi.excellent.cases.registry import case_test, false_result, true_result
from upesi.excellent.types.convert import to_text

Loc = tuple[str, dict[str, Any]]  # (path, node)


_LOC_WORD_RE = regex.compile(r"\w+", regex.UNICODE)


def _words(s: str) -> list[str]:
    # apostrophes split words here so "l'Île-de-France" contains "Île de France"
    return [w.lower() for w in _LOC_WORD_RE.findall(s)]


def _level(env: Any, level: int) -> list[Loc]:
    """All locations at a level: 1 = states, 2 = districts, 3 = wards (0 is the country)."""
    roots = (getattr(env, "extra", {}) or {}).get("locations") or []
    out: list[Loc] = []

    def walk(node: dict[str, Any], path: str, depth: int) -> None:
        p = f"{path} > {node['name']}" if path else node["name"]
        if depth == level:
            out.append((p, node))
            return
        for c in node.get("children") or []:
            walk(c, p, depth + 1)

    for r in roots:
        walk(r, "", 0)
    return out


def _contains_phrase(text_words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(text_words[i : i + n] == phrase for i in range(len(text_words) - n + 1))


def _find(text: str, candidates: list[Loc]) -> Loc | None:
    tw = _words(text)
    stripped = text.strip().lower()
    for path, node in candidates:  # an exact whole-text match wins
        names = [node["name"], *(node.get("aliases") or [])]
        if any(stripped == n.strip().lower() for n in names):
            return path, node
    for path, node in candidates:
        names = [node["name"], *(node.get("aliases") or [])]
        if any(_contains_phrase(tw, _words(n)) for n in names):
            return path, node
    return None


def _children_of(parent: Loc | None, candidates: list[Loc]) -> list[Loc]:
    if parent is None:
        return candidates
    return [c for c in candidates if c[0].startswith(parent[0] + " > ")]


@case_test("has_state", 1)
def has_state(env: Any, text: Any) -> Any:
    found = _find(to_text(text), _level(env, 1))
    return true_result(found[0]) if found else false_result()


@case_test("has_district", 1, 2)
def has_district(env: Any, text: Any, state: Any = None) -> Any:
    districts = _level(env, 2)
    if state is not None and to_text(state):
        st = _find(to_text(state), _level(env, 1))
        if st is None:
            return false_result()
        districts = _children_of(st, districts)
    found = _find(to_text(text), districts)
    return true_result(found[0]) if found else false_result()


@case_test("has_ward", 1, 3)
def has_ward(env: Any, text: Any, arg2: Any = None, arg3: Any = None) -> Any:
    # goflow reads the second argument as the state and the third as the district (whatever the
    # documented names say): has_ward("Gisozi", "Kigali", "Gasabo") matches
    wards = _level(env, 3)
    if arg2 is not None and to_text(arg2):
        st = _find(to_text(arg2), _level(env, 1))
        if st is None:
            return false_result()
        districts = _children_of(st, _level(env, 2))
        if arg3 is not None and to_text(arg3):
            d = _find(to_text(arg3), districts)
            if d is None:
                return false_result()
            districts = [d]
        wards = [w for w in wards if any(w[0].startswith(d[0] + " > ") for d in districts)]
    found = _find(to_text(text), wards)
    return true_result(found[0]) if found else false_result()
