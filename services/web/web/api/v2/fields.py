"""fields: list (GET), create or update (POST, ?key=)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import CampaignEvent, ContactField, ContactGroup
from upesi.domain.limits import check_limit
from web.api.v2 import params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors, detail
from web.api.v2.field_values import LEGACY_VALUE_TYPES, TYPE_CODES, VALUE_TYPES, key_for_name
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import new_uuid

# keys that contact queries and expressions already use for attributes
RESERVED_KEYS = {
    "id", "uuid", "name", "language", "status", "urn", "urns", "group", "groups", "flow", "history", "tickets",
    "created_on", "last_seen_on", "modified_on", "fields", "contact", "has", "is", "ref", "tel", "email", "mailto",
}  # fmt: skip


async def serialize_fields(
    session: AsyncSession, ctx: APIContext, fields: list[ContactField]
) -> list[dict[str, Any]]:
    ids = [f.id for f in fields]
    event_counts: dict[int, int] = {}
    group_queries: list[str] = []
    if ids:
        rows = await session.execute(
            select(CampaignEvent.relative_to_id, func.count())
            .where(CampaignEvent.relative_to_id.in_(ids), CampaignEvent.is_active)
            .group_by(CampaignEvent.relative_to_id)
        )
        event_counts = {field_id: count for field_id, count in rows if field_id is not None}
        group_queries = [
            q.lower()
            for q in (
                await session.execute(
                    org_select(ctx, ContactGroup, ContactGroup.query).where(ContactGroup.query.is_not(None))
                )
            ).scalars()
            if q
        ]
    return [
        {
            "key": f.key,
            "name": f.name,
            "type": VALUE_TYPES.get(f.value_type, "text"),
            "featured": f.show_in_table,
            "priority": f.priority,
            "usages": {
                "flows": 0,  # flow dependencies are not tracked yet
                "groups": sum(1 for q in group_queries if f.key in q),
                "campaign_events": event_counts.get(f.id, 0),
            },
            "agent_access": "view",
            "label": f.name,
            "value_type": LEGACY_VALUE_TYPES.get(f.value_type, "text"),
        }
        for f in fields
    ]


@endpoint("fields", "GET", "contacts.contactfield_list", summary="List contact fields", params=["key"])
async def list_fields(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, ContactField).where(ContactField.is_system.is_(False))
    if key := params.get(request, "key"):
        stmt = stmt.where(ContactField.key == key)
    async with transaction() as session:
        page = await paginate(session, request, stmt, [ContactField.created_on, ContactField.id],
                              lambda f: (f.created_on, f.id))  # fmt: skip
        return page.response(await serialize_fields(session, ctx, page.rows))


@endpoint("fields", "POST", "contacts.contactfield_create", summary="Create or update a contact field",
          params=["key"], body=["name", "type"])  # fmt: skip
async def write_field(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, ("key",))
    async with transaction() as session:
        field = await get_or_404(session, ctx, ContactField, ContactField.key == found[1]) if found else None
        if field is not None and field.is_system:
            raise detail(403, "Cannot modify system object.")
        errors = Errors()
        name = string(data, "name", errors, required=field is None, max_length=36)
        type_name = string(data, "type", errors, required=field is None) or string(
            data, "value_type", Errors()
        )
        if type_name is not None and type_name not in TYPE_CODES:
            errors.add("type", f'"{type_name}" is not a valid choice.')
        if name is not None:
            key = key_for_name(name)
            if not key or not key[0].isalpha():
                errors.add("name", "Can only contain letters, numbers and hypens.")
            elif key in RESERVED_KEYS and field is None:
                errors.add("name", "Can't be a reserved word.")
            clash = org_select(ctx, ContactField, ContactField.id).where(
                (func.lower(ContactField.name) == name.lower()) | (ContactField.key == key)
            )
            if field is not None:
                clash = clash.where(ContactField.id != field.id)
            if (await session.execute(clash.limit(1))).first() is not None:
                errors.add("name", "This field must be unique.")
        errors.raise_if_any()
        if field is None:
            await check_limit(session, org=ctx.org, kind="fields", model=ContactField)
            assert name is not None and type_name is not None
            field = ContactField(uuid=new_uuid(), org_id=ctx.org_id, key=key_for_name(name), name=name,
                                 value_type=TYPE_CODES[type_name])  # fmt: skip
            session.add(field)
        else:
            if name is not None:
                field.name = name
            if type_name is not None:
                field.value_type = TYPE_CODES[type_name]
            field.modified_on = func.now()
        await session.flush()
        await session.refresh(field)
        shape = (await serialize_fields(session, ctx, [field]))[0]
    return shape if found else created(shape)
