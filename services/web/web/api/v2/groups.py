"""groups: list (GET), create or rename (POST, ?uuid=), delete (DELETE)."""

from typing import Any

from fastapi import Request
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Campaign, ContactGroup, Trigger, contact_group_contacts
from upesi.db.models.triggers import trigger_groups
from upesi.domain.limits import check_limit
from upesi.domain.names import MAX_NAME_LEN, check_unique_name, clean_name
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import raw_name, read_body
from web.api.v2.errors import detail, invalid
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint, no_content
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import new_uuid

STATUSES = {"I": "initializing", "E": "evaluating", "R": "ready", "V": "invalid"}


async def serialize_groups(session: AsyncSession, groups: list[ContactGroup]) -> list[dict[str, Any]]:
    ids = [g.id for g in groups]
    counts: dict[int, int] = {}
    if ids:
        rows = await session.execute(
            select(contact_group_contacts.c.group_id, func.count())
            .where(contact_group_contacts.c.group_id.in_(ids))
            .group_by(contact_group_contacts.c.group_id)
        )
        counts = dict(rows.all())
    return [
        {
            "uuid": str(g.uuid),
            "name": g.name,
            "query": g.query if g.group_type == "Q" else None,
            "status": STATUSES.get(g.status, "ready"),
            "system": g.is_system,
            "count": counts.get(g.id, 0),
        }
        for g in groups
    ]


@endpoint("groups", "GET", "contacts.contactgroup_list", summary="List contact groups",
          params=["uuid", "name", "manual_only"], response=objects.Page[objects.Group])  # fmt: skip
async def list_groups(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.exclusive(request, ("uuid", "name"))
    stmt = org_select(ctx, ContactGroup).where(ContactGroup.status != "I")
    if uuid := params.get_uuid(request, "uuid"):
        stmt = stmt.where(ContactGroup.uuid == uuid)
    if name := params.get(request, "name"):
        stmt = stmt.where(func.lower(ContactGroup.name) == name.lower())
    if params.get_bool(request, "manual_only"):
        stmt = stmt.where(ContactGroup.group_type == "M")
    async with transaction() as session:
        page = await paginate(session, request, stmt, [ContactGroup.created_on, ContactGroup.id],
                              lambda g: (g.created_on, g.id))  # fmt: skip
        return page.response(await serialize_groups(session, page.rows))


async def validate_name(session: AsyncSession, ctx: APIContext, data: dict[str, Any], model: Any,
                        current: Any | None, max_length: int = MAX_NAME_LEN) -> str:  # fmt: skip
    """A required, valid, workspace-unique name, shared by groups, labels, campaigns...: the body is read
    here, the rules are upesi.domain.names."""
    name = clean_name(raw_name(data), max_length=max_length)
    await check_unique_name(session, org=ctx.org, model=model, name=name, current=current)
    return name


@endpoint("groups", "POST", "contacts.contactgroup_create", summary="Create or rename a group", params=["uuid"],
          body=["name"], response=objects.Group)  # fmt: skip
async def write_group(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("uuid",))
    async with transaction() as session:
        group = await get_or_404(session, ctx, ContactGroup, ContactGroup.uuid == found[1]) if found else None
        if group is not None and group.is_system:
            raise detail(403, "Cannot modify system object.")
        name = await validate_name(session, ctx, data, ContactGroup, group)
        if group is None:
            await check_limit(session, org=ctx.org, kind="groups", model=ContactGroup)
            group = ContactGroup(uuid=new_uuid(), org_id=ctx.org_id, name=name, group_type="M", status="R")
            session.add(group)
        else:
            group.name = name
            group.modified_on = func.now()
        await session.flush()
        await session.refresh(group)
        shape = (await serialize_groups(session, [group]))[0]
    return shape if found else created(shape)


@endpoint("groups", "DELETE", "contacts.contactgroup_delete", summary="Delete a group", params=["uuid"])
async def delete_group(request: Request, ctx: APIContext) -> Any:
    found = params.lookup(request, ("uuid",))
    if found is None:
        raise invalid("URL must contain one of the following parameters: uuid")
    async with transaction() as session:
        group = await get_or_404(session, ctx, ContactGroup, ContactGroup.uuid == found[1])
        if group.is_system:
            raise detail(403, "Cannot delete system object.")
        used_by_triggers = await session.execute(
            select(Trigger.id)
            .join(trigger_groups, trigger_groups.c.trigger_id == Trigger.id)
            .where(trigger_groups.c.group_id == group.id, Trigger.is_active, Trigger.is_archived.is_(False))
            .limit(1)
        )
        if used_by_triggers.first() is not None:
            raise invalid("Group is being used by triggers which must be archived first.")
        used_by_campaigns = await session.execute(
            select(Campaign.id)
            .where(Campaign.group_id == group.id, Campaign.is_active, Campaign.is_archived.is_(False))
            .limit(1)
        )
        if used_by_campaigns.first() is not None:
            raise invalid("Group is being used by campaigns which must be archived first.")
        await session.execute(
            update(ContactGroup)
            .where(ContactGroup.id == group.id)
            .values(is_active=False, modified_on=func.now())
        )
        await session.execute(
            delete(contact_group_contacts).where(contact_group_contacts.c.group_id == group.id)
        )
    return no_content()
