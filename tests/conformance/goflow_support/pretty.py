"""What goflow's runner test does to a session between sprints, where it touches @legacy_extra.

test/runner_test.go writes the session with jsonx.MarshalPretty and reads it back. Go's encoder indents
the whole document, json.RawMessage values included, so every result's extra comes back re-indented at
its depth in the session (session > runs > run > results > result > extra) and @legacy_extra shows it so.
Services write sessions compact (Run.to_json), so this is the runner's doing and is imitated here only.
"""

from __future__ import annotations

from upesi.flows.legacy_extra import extra_text, go_compact
from upesi.flows.session import Session

INDENT = "    "  # jsonx.MarshalPretty
EXTRA_DEPTH = 5  # the extra's own braces: session{ runs[ run{ results{ result{ extra


def go_indent(compact: str, prefix: str, indent: str = INDENT) -> str:
    """Go's json.Indent of compact JSON: each element on its own line, ": " after keys, {} and [] kept."""
    out: list[str] = []
    depth = 0
    in_string = escaped = False
    i = 0
    while i < len(compact):
        c = compact[i]
        if in_string:
            out.append(c)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c in "{[":
            if i + 1 < len(compact) and compact[i + 1] in "}]":
                out.append(c + compact[i + 1])
                i += 1
            else:
                depth += 1
                out.append(c + "\n" + prefix + indent * depth)
        elif c in "}]":
            depth -= 1
            out.append("\n" + prefix + indent * depth + c)
        elif c == ",":
            out.append(",\n" + prefix + indent * depth)
        elif c == ":":
            out.append(": ")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def pretty_write_extras(session: Session) -> None:
    """Every result extra as MarshalPretty leaves it: compacted, then indented at the extra's depth."""
    prefix = INDENT * EXTRA_DEPTH
    for run in session.runs:
        for key, result in run.results.items():
            if result.get("extra") is None:
                continue
            text = run.raw_extras.get(key) or extra_text(result["extra"])
            run.raw_extras[key] = go_indent(go_compact(text), prefix)
