"""Names of workspace objects (labels, groups, campaigns, topics...): RapidPro's NameValidator and its
case-insensitive uniqueness among a workspace's active objects, with the API's (DRF's) messages."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Org
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError

MAX_NAME_LEN = 64


def clean_name(name: str, *, field: str = "name", max_length: int = MAX_NAME_LEN) -> str:
    """The name without surrounding whitespace (both of RapidPro's surfaces strip it), or DomainError."""
    name = name.strip()
    if not name:
        raise DomainError(field, "This field may not be blank.")
    if len(name) > max_length:
        raise DomainError(field, f"Ensure this field has no more than {max_length} characters.")
    for ch in '"\\':
        if ch in name:
            raise DomainError(field, f"Cannot contain the character: {ch}")
    if "\0" in name:
        raise DomainError(field, "Cannot contain null characters.")
    return name


async def check_unique_name(
    session: AsyncSession, *, org: Org, model: Any, name: str, current: Any | None = None, field: str = "name"
) -> None:
    """DomainError when another active object of this kind in the workspace has the name, whatever its case."""
    clash = select(model.id).where(in_workspace(model, org.id), func.lower(model.name) == name.lower())
    if hasattr(model, "is_active"):
        clash = clash.where(model.is_active)
    if current is not None:
        clash = clash.where(model.id != current.id)
    if (await session.execute(clash.limit(1))).first() is not None:
        raise DomainError(field, "This field must be unique.")
