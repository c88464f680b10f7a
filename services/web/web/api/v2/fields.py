"""fields: list (GET), create or update (POST, ?key=)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import CampaignEvent, ContactField, ContactGroup
from upesi.domain import field_access
from upesi.domain.contact_fields import MAX_LEN as MAX_NAME
from upesi.domain.contact_fields import NAME_RE, is_new_key_allowed, make_key
from upesi.domain.limits import check_limit
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string
from web.api.v2.errors import Errors, detail, field_error
from web.api.v2.field_values import LEGACY_VALUE_TYPES, VALUE_TYPES
from web.api.v2.pagination import paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import get_or_404, org_select
from web.api.v2.values import new_uuid

# `type` takes the engine's names, the deprecated `value_type` the old ones ("numeric")
TYPE_CODES_BY_NAME = {name: code for code, name in VALUE_TYPES.items()}
LEGACY_TYPE_CODES = {name: code for code, name in LEGACY_VALUE_TYPES.items()}


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
            "agent_access": field_access.name_of(f),
            "label": f.name,
            "value_type": LEGACY_VALUE_TYPES.get(f.value_type, "text"),
        }
        for f in fields
    ]


@endpoint(
    "fields",
    "GET",
    "contacts.contactfield_list",
    summary="List contact fields",
    params=["key"],
    response=objects.Page[objects.ContactField],
)
async def list_fields(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, ContactField).where(ContactField.is_system.is_(False))
    if key := params.get(request, "key"):
        stmt = stmt.where(ContactField.key == key)
    async with transaction() as session:
        page = await paginate(session, request, stmt, [ContactField.created_on, ContactField.id],
                              lambda f: (f.created_on, f.id))  # fmt: skip
        return page.response(await serialize_fields(session, ctx, page.rows))


@endpoint("fields", "POST", "contacts.contactfield_create", summary="Create or update a contact field",
          params=["key"], body=["name", "type"], response=objects.ContactField)  # fmt: skip
async def write_field(request: Request, ctx: APIContext) -> Any:
    """RapidPro's ContactFieldWriteSerializer: name and type on create and update alike, each also taken under
    its deprecated name (label, value_type), errors named by the key the client sent."""
    data = await read_body(request)
    found = params.lookup(request, ("key",))
    async with transaction() as session:
        field = await get_or_404(session, ctx, ContactField, ContactField.key == found[1]) if found else None
        if field is not None and field.is_system:
            raise detail(403, "Cannot modify system object.")
        errors = Errors()
        names: dict[str, str] = {}
        for name_key in ("name", "label"):
            name = string(data, name_key, errors, max_length=MAX_NAME)
            if name is None:
                continue
            key = make_key(name)
            if not NAME_RE.match(name):
                errors.add(name_key, "Can only contain letters, numbers and hypens.")
            elif not is_new_key_allowed(key):
                errors.add(name_key, f'Generated key "{key}" is invalid or a reserved name.')
            else:
                clash = org_select(ctx, ContactField, ContactField.id).where(
                    func.lower(ContactField.name) == name.lower()
                )
                if field is not None:
                    clash = clash.where(ContactField.id != field.id)
                if (await session.execute(clash.limit(1))).first() is not None:
                    errors.add(name_key, "This field must be unique.")
                else:
                    names[name_key] = name
        type_codes: dict[str, str] = {}
        for type_key, choices in (("type", TYPE_CODES_BY_NAME), ("value_type", LEGACY_TYPE_CODES)):
            type_name = string(data, type_key, errors)
            if type_name is None:
                continue
            if type_name not in choices:
                errors.add(type_key, f'"{type_name}" is not a valid choice.')
            elif (
                field is not None
                and choices[type_name] != "D"
                and await _used_by_campaign_events(session, field)
            ):
                errors.add(type_key, "Can't change type of date field being used by campaign events.")
            else:
                type_codes[type_key] = choices[type_name]
        errors.raise_if_any()
        name = names.get("name") or names.get("label")
        value_type = type_codes.get("type") or type_codes.get("value_type")
        if not name:
            errors.add("non_field_errors", "Field 'name' is required.")
        elif not value_type:
            errors.add("non_field_errors", "Field 'type' is required.")
        errors.raise_if_any()
        assert name is not None and value_type is not None
        if field is None:
            await check_limit(session, org=ctx.org, kind="fields", model=ContactField)
            key = make_key(name)
            if (
                await session.execute(
                    org_select(ctx, ContactField, ContactField.id).where(ContactField.key == key)
                )
            ).first():
                raise field_error("name", f'Generated key "{key}" is invalid or a reserved name.')
            field = ContactField(
                uuid=new_uuid(), org_id=ctx.org_id, key=key, name=name, value_type=value_type
            )
            session.add(field)
        else:
            field.name, field.value_type = name, value_type
            field.modified_on = func.now()
        await session.flush()
        await session.refresh(field)
        shape = (await serialize_fields(session, ctx, [field]))[0]
    return shape if found else created(shape)


async def _used_by_campaign_events(session: AsyncSession, field: ContactField) -> bool:
    used = select(CampaignEvent.id).where(CampaignEvent.relative_to_id == field.id, CampaignEvent.is_active)
    return (await session.execute(used.limit(1))).first() is not None
