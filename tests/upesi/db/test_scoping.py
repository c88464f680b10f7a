"""Workspace scoping goes through upesi.db.scoping only: a workspace filter written by hand in the web
service, the domain layer or the db operations fails here, naming the file and line."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = [ROOT / "services/web/web", ROOT / "shared/upesi/domain", ROOT / "shared/upesi/db/ops"]
# the helper itself is the one place allowed to write the filter
ALLOWED = {ROOT / "shared/upesi/db/scoping.py"}


def _is_model_org_id(node: ast.AST) -> bool:
    """`Flow.org_id` or `model.org_id`: a table's workspace column. (`state.org_id` on a Python object is
    not a query, and is left alone.)"""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "org_id"
        and isinstance(node.value, ast.Name)
        and (node.value.id[:1].isupper() or node.value.id == "model")
    )


def _is_column(node: ast.AST) -> bool:
    """`Org.id`, `APIToken.org_id`: another table's column, which makes the comparison a join condition."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
        and node.attr in ("id", "org_id")
    )


def hand_written_filters(source: str) -> list[int]:
    """Lines where a table's org_id is compared with a value (==, !=, in_, is_) rather than through the helper."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            left, right = node.left, node.comparators[0]
            if (_is_model_org_id(left) and not _is_column(right)) or (
                _is_model_org_id(right) and not _is_column(left)
            ):
                lines.add(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("in_", "is_") and _is_model_org_id(node.func.value):
                lines.add(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("select(Flow).where(Flow.org_id == ctx.org.id)", [1]),
        ("select(Flow).where(ctx.org.id == Flow.org_id)", [1]),
        ("select(Flow).where(\n    Flow.org_id\n    == org_id)", [2]),
        ("select(model).where(model.org_id == org_id)", [1]),
        ("select(Flow).where(Flow.org_id.in_(ids))", [1]),
        ("select(Flow).where(Flow.org_id != 3)", [1]),
        # join conditions and Python-side checks are not workspace filters
        ("select(Org).join(Membership, Membership.org_id == Org.id)", []),
        ("select(A).where(Membership.org_id == APIToken.org_id)", []),
        ("if state.org_id != ctx.org.id: pass", []),
        ("select(Flow).where(in_workspace(Flow, ctx.org.id))", []),
    ],
)
def test_the_scanner_finds_hand_written_filters(source: str, expected: list[int]) -> None:
    assert hand_written_filters(source) == expected


def test_no_hand_written_workspace_filter() -> None:
    found = []
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            if path in ALLOWED:
                continue
            for line in hand_written_filters(path.read_text()):
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "workspace filters written by hand; use upesi.db.scoping.in_workspace:\n" + "\n".join(
        found
    )
