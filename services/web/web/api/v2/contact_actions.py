"""contact_actions (POST): add/remove to a group, block, unblock, interrupt, archive messages, delete,
archive, for up to 100 contacts (UUIDs or URNs)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select, update

from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactURN, Msg
from upesi.urns import URNError, parse_urn
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string, string_list
from web.api.v2.contact_writes import (
    add_to_group,
    contacts_changed,
    delete_contacts,
    interrupt,
    remove_from_group,
    resolve_groups,
)
from web.api.v2.errors import Errors
from web.api.v2.routing import endpoint, no_content
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid

ACTIONS = ("add", "remove", "block", "unblock", "interrupt", "archive_messages", "delete", "archive")
STATUS_FOR = {"block": "B", "unblock": "A", "archive": "V"}


async def resolve_contacts(
    session: Any, ctx: APIContext, refs: list[str], errors: Errors
) -> dict[int, tuple[str, str]]:
    """Contacts (id -> (uuid, status)) for UUIDs or URNs, two queries for the lot."""
    uuids = [r for r in refs if is_uuid(r)]
    identities: dict[str, str] = {}
    for ref in refs:
        if not is_uuid(ref):
            try:
                identities[ref] = parse_urn(ref, ctx.org.country).identity
            except URNError:
                errors.add("contacts", f"No such object: {ref}")
    by_uuid: dict[str, tuple[int, str, str]] = {}
    if uuids:
        rows = await session.execute(
            select(Contact.uuid, Contact.id, Contact.status).where(
                in_org(ctx, Contact), Contact.is_active, Contact.uuid.in_(uuids)
            )
        )
        by_uuid = {str(u): (i, str(u), st) for u, i, st in rows}
    by_urn: dict[str, tuple[int, str, str]] = {}
    if identities:
        rows = await session.execute(
            select(ContactURN.identity, Contact.id, Contact.uuid, Contact.status)
            .join(Contact, Contact.id == ContactURN.contact_id)
            .where(
                in_org(ctx, ContactURN),
                ContactURN.identity.in_(list(identities.values())),
                Contact.is_active,
            )
        )
        by_urn = {identity: (i, str(u), st) for identity, i, u, st in rows}
    found_contacts: dict[int, tuple[str, str]] = {}
    for ref in refs:
        found = by_uuid.get(ref) if is_uuid(ref) else by_urn.get(identities.get(ref, ""))
        if found is None:
            if is_uuid(ref) or ref in identities:
                errors.add("contacts", f"No such object: {ref}")
        else:
            found_contacts[found[0]] = (found[1], found[2])
    return found_contacts


@endpoint("contact_actions", "POST", "contacts.contact_update", summary="Act on many contacts at once",
          body=["contacts", "action", "group"])  # fmt: skip
async def contact_actions(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    refs = string_list(data, "contacts", errors, required=True)
    if refs is not None and not refs:
        errors.add("contacts", "Contacts can't be empty.")
    action = string(data, "action", errors, required=True)
    if action is not None and action not in ACTIONS:
        errors.add("action", f'"{action}" is not a valid choice.')
    group_ref = None
    if "group" in data:
        # DRF's related field takes "" as null, and null is not allowed
        group_ref = string(data, "group", errors, allow_null=True, allow_blank=True)
        if not group_ref and "group" not in errors.fields:
            errors.add("group", "This field may not be null.")
    interrupt_ids: list[int] = []
    changed_ids: list[int] = []
    async with transaction() as session:
        contacts = await resolve_contacts(session, ctx, refs, errors) if refs else {}
        ids = sorted(contacts)
        group = None
        if group_ref:
            found = await resolve_groups(session, ctx, [group_ref], errors, "group")
            group = found[0] if found else None
        errors.raise_if_any()
        # the object-level rules run once every field is valid, as DRF's validate() does
        if action in ("add", "remove") and group is None:
            errors.add("non_field_errors", f'For action "{action}" you should also specify a group')
        elif action not in ("add", "remove") and group is not None:
            errors.add("non_field_errors", f'For action "{action}" you should not specify a group')
        elif action == "add":
            inactive = [uuid for uuid, status in contacts.values() if status != "A"]
            if inactive:
                errors.add(
                    "non_field_errors",
                    "Non-active contacts cannot be added to groups: " + ", ".join(inactive),
                )
        errors.raise_if_any()

        if action == "add" and group is not None:
            await add_to_group(session, group.id, ids)
            changed_ids = ids
        elif action == "remove" and group is not None:
            await remove_from_group(session, group.id, ids)
            changed_ids = ids
        elif action in STATUS_FOR:
            changed_ids = ids  # smart groups only hold active contacts
            await session.execute(
                update(Contact)
                .where(Contact.id.in_(ids))
                .values(status=STATUS_FOR[action], modified_on=func.now())
            )
            if action in ("block", "archive"):
                interrupt_ids = ids  # blocked and archived contacts leave their flows, as in RapidPro
        elif action == "interrupt":
            interrupt_ids = ids
        elif action == "archive_messages":
            await session.execute(
                update(Msg)
                .where(
                    in_org(ctx, Msg),
                    Msg.contact_id.in_(ids),
                    Msg.direction == "I",
                    Msg.visibility == "V",
                )
                .values(visibility="A", modified_on=func.now())
            )
        elif action == "delete":
            await delete_contacts(session, ctx, ids)
            interrupt_ids = ids
    await interrupt(ctx, interrupt_ids)
    await contacts_changed(ctx, changed_ids)
    return no_content()
