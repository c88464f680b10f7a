"""Where the shared conformance data lives: the `shared` folder beside the repository root."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
# beside the repository root; a worktree under /work/wt/<name> finds it one level further up
SHARED = next(
    (
        p.resolve()
        for p in (REPO_ROOT / ".." / "shared", REPO_ROOT / ".." / ".." / "shared")
        if (p / "conformance").is_dir()
    ),
    (REPO_ROOT / ".." / "shared").resolve(),
)
GOFLOW = SHARED / "conformance" / "goflow"
EXPORTS = SHARED / "conformance" / "rapidpro_exports"
KNOWN_DIR = Path(__file__).resolve().parent / "known_failures"


@cache
def load_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def known_failures(name: str) -> set[str]:
    """Case ids listed (one per line, # comments allowed) as not passing yet."""
    p = KNOWN_DIR / f"{name}.txt"
    if not p.exists():
        return set()
    out = set()
    for line in p.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(line)
    return out
