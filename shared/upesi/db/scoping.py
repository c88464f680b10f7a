"""Workspace scoping, written once: every query for workspace-owned rows, from the API, the UI or the domain
layer, keeps to one workspace through these, so a UUID from another workspace is simply not found.

tests/upesi/db/test_scoping.py fails on a workspace filter written by hand (`X.org_id == ...`) in the web
service, the domain layer or the db operations: scoping has one spelling, easy to look for."""

from typing import Any

from sqlalchemy import ColumnElement, Select, select


def in_workspace(model: Any, org_id: int) -> ColumnElement[bool]:
    """The condition that keeps a workspace-owned table (anything with an org_id column) to one workspace.
    Every query on such a table, including subqueries, joins and EXISTS clauses, uses this."""
    condition: ColumnElement[bool] = model.org_id == org_id
    return condition


def workspace_select(model: Any, org_id: int, *columns: Any, active: bool | None = True) -> Select[Any]:
    """select(model) (or the given columns) kept to the workspace and, for models with is_active, to active
    rows (active=False: only inactive ones; None: both)."""
    stmt = select(*columns) if columns else select(model)
    stmt = stmt.where(in_workspace(model, org_id))
    if active is not None and hasattr(model, "is_active"):
        stmt = stmt.where(model.is_active.is_(active))
    return stmt
