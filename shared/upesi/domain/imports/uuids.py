"""UUIDs across workspaces. UUIDs are unique in the whole installation, so a file's object keeps its UUID
only where no workspace holds it yet (a first import, which then exports again unchanged); a copy into a
second workspace gets new UUIDs, and every reference to them in the file is rewritten."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.base import Base


async def taken_uuids(session: AsyncSession, model: type[Base], uuids: Iterable[str]) -> set[str]:
    """Which of these UUIDs any workspace already uses for this kind of object (one query)."""
    wanted = sorted({u for u in uuids if is_uuid(u)})
    if not wanted:
        return set()
    col = model.uuid  # type: ignore[attr-defined]
    return {str(u) for u in (await session.execute(select(col).where(col.in_(wanted)))).scalars()}


def is_uuid(value: Any) -> bool:
    try:
        uuidlib.UUID(str(value))
        return isinstance(value, str)
    except ValueError:
        return False


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def rewrite(value: Any, mapping: dict[str, str]) -> Any:
    """A copy of value with every string (and object key) that is a mapped UUID replaced."""
    if not mapping:
        return value
    if isinstance(value, dict):
        return {mapping.get(k, k): rewrite(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


def element_uuids(definition: dict[str, Any]) -> list[str]:
    """The UUIDs of a flow's own elements: nodes, actions, exits, categories and cases."""
    out: list[str] = []
    for node in definition.get("nodes") or []:
        out.append(node["uuid"])
        out += [a["uuid"] for a in node.get("actions") or []]
        out += [e["uuid"] for e in node.get("exits") or []]
        router = node.get("router") or {}
        out += [c["uuid"] for c in router.get("categories") or []]
        out += [c["uuid"] for c in router.get("cases") or []]
    return [u for u in out if is_uuid(u)]
