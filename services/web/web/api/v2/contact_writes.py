"""Creating, updating and deleting contacts for the contacts and contact_actions endpoints.

RapidPro routes these through mailroom; here they are direct, batched statements. Smart (query) group
membership is mailroom's to recalculate and is not touched.
"""

from dataclasses import dataclass
from typing import Any

import pycountry
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import (
    Contact,
    ContactField,
    ContactGroup,
    ContactNote,
    ContactURN,
    contact_group_contacts,
)
from upesi.domain import field_access
from upesi.domain.urns import checked_urn
from upesi.urns import URN, URNError
from web import mailroom_tasks
from web.api.v2 import body as b
from web.api.v2.auth import APIContext
from web.api.v2.errors import APIError, Errors
from web.api.v2.field_values import parse_value
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid, new_uuid

UNSET: Any = object()
NO_UUID = "00000000-0000-0000-0000-000000000000"
MAX_NOTE = 10_000


@dataclass
class ContactChanges:
    name: Any = UNSET
    language: Any = UNSET
    urns: list[URN] | None = None
    group_ids: list[int] | None = None
    fields: dict[str, dict[str, Any] | None] | None = None  # field uuid -> stored value or None to clear
    note: str | None = None


async def resolve_groups(
    session: AsyncSession,
    ctx: APIContext,
    refs: list[str],
    errors: Errors,
    field: str,
    manual_only: bool = True,
) -> list[ContactGroup]:
    """Groups named by UUID or name, in one query; unknown or smart groups are field errors."""
    uuids = [r for r in refs if is_uuid(r)]
    names = [r.lower() for r in refs if not is_uuid(r)]
    rows = (
        (
            await session.execute(
                select(ContactGroup).where(
                    in_org(ctx, ContactGroup),
                    ContactGroup.is_active.is_(True),
                    or_(
                        ContactGroup.uuid.in_(uuids or [NO_UUID]),
                        func.lower(ContactGroup.name).in_(names or [""]),
                    ),
                )
            )
        )
        .scalars()
        .all()
    )
    by_ref = {str(g.uuid): g for g in rows} | {g.name.lower(): g for g in rows}
    found = []
    for ref in refs:
        group = by_ref.get(ref if is_uuid(ref) else ref.lower())
        if group is None:
            errors.add(field, f"No such object: {ref}")
        elif manual_only and group.group_type != "M":
            errors.add(field, f"Contact group must not be query based: {ref}")
        else:
            found.append(group)
    return found


async def validate_changes(
    session: AsyncSession, ctx: APIContext, data: dict[str, Any], contact: Contact | None, url_urn: str | None
) -> ContactChanges:
    errors = Errors()
    changes = ContactChanges()
    if "name" in data:
        changes.name = b.string(data, "name", errors, max_length=64, allow_blank=True, allow_null=True)
    if "language" in data:
        language = b.string(data, "language", errors, allow_null=True, allow_blank=True)
        if language is not None and len(language) < 3:
            errors.add("language", "Ensure this field has at least 3 characters.")
        elif language is not None and len(language) > 3:
            errors.add("language", "Ensure this field has no more than 3 characters.")
        elif language and pycountry.languages.get(alpha_3=language) is None:
            errors.add("language", "Not a valid ISO639-3 language code.")
        changes.language = language or None

    raw_urns = [url_urn] if url_urn else b.string_list(data, "urns", errors)
    if raw_urns is not None:
        # RapidPro names the failing URN by its index: {"urns": {"0": ["URN is not valid."]}}
        urn_errors: dict[str, list[str]] = {}
        parsed: list[URN] = []
        for i, raw in enumerate(raw_urns):
            try:
                parsed.append(checked_urn(raw, ctx.org.country))  # RapidPro's URN.validate, as the UI
            except URNError:
                urn_errors[str(i)] = [f"Invalid URN: {raw}. Ensure phone numbers contain country codes."]
        if parsed and not urn_errors:
            owned = set(
                (
                    await session.execute(
                        select(ContactURN.identity).where(
                            in_org(ctx, ContactURN),
                            ContactURN.identity.in_([u.identity for u in parsed]),
                            ContactURN.contact_id.is_not(None),
                            ContactURN.contact_id != (contact.id if contact else -1),
                        )
                    )
                ).scalars()
            )
            for i, urn in enumerate(parsed):
                if urn.identity in owned:
                    urn_errors[str(i)] = ["URN is in use by another contact."]
        if urn_errors:
            errors.nested("urns", urn_errors)
        changes.urns = list({u.identity: u for u in parsed}.values())

    group_refs = b.string_list(data, "groups", errors)
    if group_refs is not None:
        if contact is not None and contact.status != "A" and group_refs:
            errors.add("groups", "Non-active contacts can't be added to groups")
        else:
            changes.group_ids = [
                g.id for g in await resolve_groups(session, ctx, group_refs, errors, "groups")
            ]

    if "fields" in data and data["fields"] is not None:
        raw_fields = data["fields"]
        if not isinstance(raw_fields, dict):
            errors.add("fields", "Must be a dict of field keys to values.")
        elif len(raw_fields) > 100:
            errors.add("fields", "Ensure this field has no more than 100 elements.")
        else:
            defs = (
                (
                    await session.execute(
                        select(ContactField).where(
                            in_org(ctx, ContactField),
                            ContactField.is_active.is_(True),
                            ContactField.key.in_(list(raw_fields)),
                        )
                    )
                )
                .scalars()
                .all()
            )
            by_key = {f.key: f for f in defs}
            changes.fields = {}
            for key, value in raw_fields.items():
                field = by_key.get(key)
                if (refused := field_access.write_error(field, key, ctx.role)) is not None:
                    errors.add("fields", refused)
                    continue
                assert field is not None
                changes.fields[str(field.uuid)] = parse_value(field.value_type, value, ctx.org)
    changes.note = (
        b.string(data, "note", errors, max_length=MAX_NOTE, allow_null=True, allow_blank=True) or None
    )
    errors.raise_if_any()
    return changes


async def apply_changes(
    session: AsyncSession, ctx: APIContext, contact: Contact | None, changes: ContactChanges
) -> Contact:
    if contact is None:
        contact = Contact(uuid=new_uuid(), org_id=ctx.org_id, status="A", fields={}, is_active=True)
        session.add(contact)
    if changes.name is not UNSET:
        contact.name = changes.name or None
    if changes.language is not UNSET:
        contact.language = changes.language
    if changes.fields:
        merged = dict(contact.fields or {})
        for field_uuid, value in changes.fields.items():
            if value is None:
                merged.pop(field_uuid, None)
            else:
                merged[field_uuid] = value
        contact.fields = merged
    contact.modified_on = func.now()
    await session.flush()

    if changes.urns is not None:
        await _set_urns(session, ctx, contact.id, changes.urns)
    if changes.group_ids is not None:
        await _set_manual_groups(session, contact.id, changes.group_ids)
    if changes.note:
        session.add(
            ContactNote(
                org_id=ctx.org_id, contact_id=contact.id, text=changes.note, created_by_id=ctx.user_id
            )
        )
        await session.flush()
    await session.refresh(contact)
    return contact


async def _set_urns(session: AsyncSession, ctx: APIContext, contact_id: int, urns: list[URN]) -> None:
    identities = [u.identity for u in urns]
    await session.execute(
        update(ContactURN)
        .where(ContactURN.contact_id == contact_id, ContactURN.identity.not_in(identities or [""]))
        .values(contact_id=None)
    )
    if not urns:
        return
    stmt = pg_insert(ContactURN).values(
        [
            {"org_id": ctx.org_id, "contact_id": contact_id, "scheme": u.scheme, "path": u.path,
             "identity": u.identity, "display": u.display or None, "priority": 1000 - i, "auth_tokens": {}}
            for i, u in enumerate(urns)
        ]
    )  # fmt: skip
    # an orphaned URN (its contact was deleted) is taken over; one owned by another contact is not
    upsert = stmt.on_conflict_do_update(
        index_elements=["org_id", "identity"],
        set_={"contact_id": stmt.excluded.contact_id, "priority": stmt.excluded.priority},
        where=(ContactURN.contact_id.is_(None)) | (ContactURN.contact_id == contact_id),
    ).returning(ContactURN.identity)
    claimed = set((await session.execute(upsert)).scalars())
    lost = [i for i, u in enumerate(urns) if u.identity not in claimed]
    if lost:
        # another request claimed one of these URNs since validation; the caller's transaction rolls back
        raise APIError(400, {"urns": {str(lost[0]): ["URN is in use by another contact."]}})


async def _set_manual_groups(session: AsyncSession, contact_id: int, group_ids: list[int]) -> None:
    manual = select(ContactGroup.id).where(ContactGroup.group_type == "M")
    await session.execute(
        delete(contact_group_contacts).where(
            contact_group_contacts.c.contact_id == contact_id,
            contact_group_contacts.c.group_id.in_(manual),
            contact_group_contacts.c.group_id.not_in(group_ids or [-1]),
        )
    )
    if group_ids:
        await session.execute(
            pg_insert(contact_group_contacts)
            .values([{"group_id": g, "contact_id": contact_id} for g in group_ids])
            .on_conflict_do_nothing()
        )


async def interrupt(ctx: APIContext, contact_ids: list[int]) -> None:
    """Mailroom ends the contacts' sessions, once the transaction has committed."""
    await mailroom_tasks.interrupt_contacts(ctx.org_id, contact_ids)


async def contacts_changed(ctx: APIContext, contact_ids: list[int]) -> None:
    """Once the transaction has committed: mailroom re-evaluates smart groups and campaign fires."""
    await mailroom_tasks.contacts_changed(ctx.org_id, contact_ids)
