"""Trigger conflicts, as RapidPro's Trigger.get_conflicts: two active triggers of one type conflict when they
listen on the same channel (or both on none), for overlapping groups (or both for everybody), with an
overlapping keyword (keyword triggers) and the same referrer (referral triggers). Schedule triggers never
conflict. The trigger form refuses a conflict; an import archives what it replaces."""

from collections.abc import Sequence

from sqlalchemy import Text, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Trigger
from upesi.db.models.triggers import trigger_groups
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError

CONFLICT = "There already exists a trigger of this type with these options."


async def find_conflicts(
    session: AsyncSession,
    *,
    org_id: int,
    trigger_type: str,
    channel_id: int | None = None,
    group_ids: Sequence[int] = (),
    keywords: Sequence[str] = (),
    referrer_id: str | None = None,
    include_archived: bool = False,
) -> list[Trigger]:
    if trigger_type == "S":
        return []
    query = select(Trigger).where(
        in_workspace(Trigger, org_id), Trigger.is_active, Trigger.trigger_type == trigger_type
    )
    if not include_archived:
        query = query.where(Trigger.is_archived.is_(False))
    query = query.where(Trigger.channel_id == channel_id if channel_id else Trigger.channel_id.is_(None))
    in_groups = exists().where(trigger_groups.c.trigger_id == Trigger.id)
    if group_ids:
        query = query.where(in_groups.where(trigger_groups.c.group_id.in_(list(group_ids))))
    else:
        query = query.where(~in_groups)
    if keywords:
        wanted = cast(array([k.lower() for k in keywords]), ARRAY(Text))
        query = query.where(cast(Trigger.keywords, ARRAY(Text)).op("&&")(wanted))
    if referrer_id:
        query = query.where(func.lower(Trigger.referrer_id) == referrer_id.lower())
    else:
        query = query.where(or_(Trigger.referrer_id.is_(None), Trigger.referrer_id == ""))
    return list((await session.execute(query.order_by(Trigger.id))).scalars())


async def refuse_conflicts(
    session: AsyncSession,
    *,
    org_id: int,
    trigger_type: str,
    channel_id: int | None = None,
    group_ids: Sequence[int] = (),
    keywords: Sequence[str] = (),
) -> None:
    """The trigger form's rule: a DomainError when an active trigger would conflict."""
    found = await find_conflicts(
        session, org_id=org_id, trigger_type=trigger_type, channel_id=channel_id, group_ids=group_ids,
        keywords=keywords,
    )  # fmt: skip
    if found:
        raise DomainError("non_field_errors", CONFLICT)
