"""contacts: list (GET), create or update (POST, ?uuid= or ?urn=), delete (DELETE)."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactField, ContactGroup, ContactURN, Flow, contact_group_contacts
from upesi.db.models.contacts import CONTACT_STATUSES
from upesi.domain import field_access
from upesi.domain.contact_actions import delete_contacts
from upesi.urns import URNError, parse_urn
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body
from web.api.v2.contact_writes import (
    ContactChanges,
    apply_changes,
    contacts_changed,
    interrupt,
    validate_changes,
)
from web.api.v2.errors import detail, field_error, invalid, not_found
from web.api.v2.field_values import serialize_value
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.permissions import has_permission
from web.api.v2.routing import created, endpoint, no_content
from web.api.v2.scoping import in_org, org_select
from web.api.v2.shapes import (
    expanded_urns_by_contact,
    groups_by_contact,
    notes_by_contact,
    refs_by_id,
    urns_by_contact,
)
from web.api.v2.values import fmt_dt, is_uuid

LOOKUPS = ("uuid", "urn")
# what a contact's shape reads: the list selects these as plain rows, which cost a fraction of ORM objects
SHOWN_COLUMNS = (
    Contact.id, Contact.uuid, Contact.name, Contact.language, Contact.status, Contact.fields,
    Contact.current_flow_id, Contact.last_seen_on, Contact.is_active, Contact.created_on, Contact.modified_on,
)  # fmt: skip


async def serialize_contacts(
    session: AsyncSession,
    ctx: APIContext,
    contacts: Sequence[Any],
    expand_urns: bool = False,
    urn_priority_order: bool = False,
) -> list[dict[str, Any]]:
    """Contacts (Contact objects, or rows of SHOWN_COLUMNS) in the API shape; URNs, groups, flows and fields come
    in one query each for the page.
    With expand_urns each URN is {channel, scheme, path, display}, as RapidPro's ?expand_urns=true gives."""
    ids = [c.id for c in contacts]
    urns = await urns_by_contact(session, ids)
    expanded = (
        await expanded_urns_by_contact(session, ctx.org_id, ids, ctx.org.is_anon, urn_priority_order)
        if expand_urns
        else {}
    )
    groups = await groups_by_contact(session, ids)
    notes = await notes_by_contact(session, ids)
    flows = await refs_by_id(session, Flow, (c.current_flow_id for c in contacts))
    # the workspace's fields as plain tuples, read once: a page asks 250 rows x every field for them
    fields = (
        await session.execute(
            org_select(
                ctx,
                ContactField,
                ContactField.key,
                ContactField.uuid,
                ContactField.value_type,
                ContactField.agent_access,
            ).order_by(ContactField.priority.desc(), ContactField.key)
        )
    ).all()
    # an agent's hidden fields are left out
    field_keys = [(f.key, str(f.uuid), f.value_type) for f in fields if field_access.can_view(f, ctx.role)]
    anon = ctx.org.is_anon
    out = []
    for c in contacts:
        if not c.is_active:
            out.append(_deleted_shape(c, anon))
            continue
        contact_urns: list[Any] = urns.get(c.id, [])
        if expand_urns:
            contact_urns = expanded.get(c.id, [])
        elif anon:
            contact_urns = [u.split(":", 1)[0] + ":********" for u in contact_urns]
        values = c.fields or {}
        status = c.status
        shape = {
            "uuid": str(c.uuid),
            "name": c.name,
            "status": CONTACT_STATUSES.get(status, "active"),
            "language": c.language,
            "urns": contact_urns,
            "groups": groups.get(c.id, []),
            "notes": notes.get(c.id, []),
            "fields": {key: serialize_value(vtype, values.get(uuid)) for key, uuid, vtype in field_keys},
            "flow": flows.get(c.current_flow_id) if c.current_flow_id else None,
            "created_on": fmt_dt(c.created_on),
            "modified_on": fmt_dt(c.modified_on),
            "last_seen_on": fmt_dt(c.last_seen_on),
            "blocked": status == "B",
            "stopped": status == "S",
        }
        out.append(_with_anon_keys(shape, c, anon))
    return out


def _with_anon_keys(shape: dict[str, Any], c: Any, anon: bool) -> dict[str, Any]:
    """RapidPro shows `ref` and the deprecated `anon_display` only for anonymous workspaces."""
    if anon:
        shape["ref"] = shape["anon_display"] = f"{c.id:010d}"
    return shape


def _deleted_shape(c: Any, anon: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "uuid": str(c.uuid), "name": None, "status": None, "language": None, "urns": [], "groups": [], "notes": [],
        "fields": {}, "flow": None, "created_on": fmt_dt(c.created_on), "modified_on": fmt_dt(c.modified_on),
        "last_seen_on": None, "blocked": None, "stopped": None,
    }  # fmt: skip
    return _with_anon_keys(shape, c, anon)


@endpoint(
    "contacts", "GET", "contacts.contact_list", scope="v2.contacts", summary="List contacts",
    params=["uuid", "urn", "group", "deleted", "before", "after", "reverse", "expand_urns", "urn_order"],
    response=objects.Page[objects.Contact],
)  # fmt: skip
async def list_contacts(request: Request, ctx: APIContext) -> dict[str, Any]:
    deleted = params.get_bool(request, "deleted") is True
    stmt = select(*SHOWN_COLUMNS).where(in_org(ctx, Contact), Contact.is_active.is_(not deleted))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(Contact.uuid == uuid)
        if urn := params.get(request, "urn"):
            if ctx.org.is_anon:
                raise invalid("URN lookups not allowed for anonymous organizations")
            try:
                identity = parse_urn(urn, ctx.org.country).identity
            except URNError as e:
                raise invalid(f"Invalid URN: {urn}") from e
            stmt = stmt.where(
                exists().where(ContactURN.contact_id == Contact.id, in_org(ctx, ContactURN),
                               ContactURN.identity == identity)
            )  # fmt: skip
        if group := params.get(request, "group"):
            group_cond = (
                ContactGroup.uuid == group
                if is_uuid(group)
                else func.lower(ContactGroup.name) == group.lower()
            )
            stmt = stmt.where(
                exists()
                .where(contact_group_contacts.c.contact_id == Contact.id)
                .where(contact_group_contacts.c.group_id == ContactGroup.id)
                .where(in_org(ctx, ContactGroup), ContactGroup.is_active.is_(True), group_cond)
            )
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Contact.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Contact.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    reverse = params.get_bool(request, "reverse") is True
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Contact.modified_on, Contact.id], lambda c: (c.modified_on, c.id),
            descending=not reverse, scalars=False,
        )  # fmt: skip
        expand = params.get_bool(request, "expand_urns") is True
        rows = await serialize_contacts(session, ctx, page.rows, expand, _priority_order(request))
        return page.response(rows)


def _priority_order(request: Request) -> bool:
    """?urn_order=priority keeps expanded URNs in the contact's priority order (else sendable ones first)."""
    return params.get(request, "urn_order") == "priority"


async def _find(
    session: AsyncSession, ctx: APIContext, name: str, value: str, with_deleted: bool = False
) -> Contact | None:
    stmt = select(Contact).where(in_org(ctx, Contact))
    if not with_deleted:
        stmt = stmt.where(Contact.is_active.is_(True))
    if name == "uuid":
        stmt = stmt.where(Contact.uuid == value)
    else:
        if ctx.org.is_anon:
            raise invalid("URN lookups not allowed for anonymous organizations")
        try:
            identity = parse_urn(value, ctx.org.country).identity
        except URNError as e:
            raise invalid(f"Param 'urn': {value} is not a valid URN.") from e
        stmt = stmt.join(ContactURN, ContactURN.contact_id == Contact.id).where(
            in_org(ctx, ContactURN), ContactURN.identity == identity
        )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


@endpoint(
    "contacts", "POST", "contacts.contact_create", scope="v2.contacts", summary="Create or update a contact",
    params=["uuid", "urn", "expand_urns", "urn_order"], body=["name", "language", "urns", "groups", "fields", "note"],
    response=objects.Contact,
)  # fmt: skip
async def write_contact(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    found = params.lookup(request, LOOKUPS)
    async with transaction() as session:
        contact = await _find(session, ctx, *found, with_deleted=True) if found else None
        if found and contact is None and found[0] == "uuid":
            raise not_found()
        if contact is not None and not contact.is_active:
            raise field_error("non_field_errors", "Deleted contacts can't be modified.")
        if contact is not None and not has_permission(ctx.role, "contacts.contact_update"):
            raise detail(403, "You do not have permission to perform this action.")
        url_urn = found[1] if found and found[0] == "urn" and contact is None else None
        if found and found[0] == "urn" and "urns" in data:
            raise field_error("urns", "Field not allowed when using URN in URL")
        if ctx.org.is_anon and contact is not None and "urns" in data:
            raise field_error("urns", "Updating URNs not allowed for anonymous organizations")
        changes: ContactChanges = await validate_changes(session, ctx, data, contact, url_urn)
        contact_obj = await apply_changes(session, ctx, contact, changes)
        expand = params.get_bool(request, "expand_urns") is True
        shape = (await serialize_contacts(session, ctx, [contact_obj], expand, _priority_order(request)))[0]
    await contacts_changed(ctx, [contact_obj.id])
    return shape if contact is not None else created(shape)


@endpoint("contacts", "DELETE", "contacts.contact_delete", scope="v2.contacts", summary="Delete a contact",
          params=["uuid", "urn"])  # fmt: skip
async def delete_contact(request: Request, ctx: APIContext) -> Any:
    found = params.lookup(request, LOOKUPS)
    if found is None:
        raise invalid("URL must contain one of the following parameters: " + ", ".join(sorted(LOOKUPS)))
    async with transaction() as session:
        contact = await _find(session, ctx, *found)
        if contact is None:
            raise not_found()
        await delete_contacts(session, org_id=ctx.org_id, contact_ids=[contact.id])
    await interrupt(ctx, [contact.id])
    return no_content()
