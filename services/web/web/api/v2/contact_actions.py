"""contact_actions (POST): add/remove to a group, block, unblock, interrupt, archive messages, delete,
archive, for up to 100 contacts (UUIDs or URNs)."""

from typing import Any

from fastapi import Request
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactURN
from upesi.domain.contact_actions import apply_action, check_action
from upesi.urns import URNError, parse_urn
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string, string_list
from web.api.v2.contact_writes import contacts_changed, interrupt, resolve_groups
from web.api.v2.errors import Errors
from web.api.v2.routing import endpoint, no_content
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid

# RapidPro's API actions (the contact list's "restore" is not among them)
ACTIONS = ("add", "remove", "block", "unblock", "interrupt", "archive_messages", "delete", "archive")


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
    async with transaction() as session:
        contacts = await resolve_contacts(session, ctx, refs, errors) if refs else {}
        ids = sorted(contacts)
        group = None
        if group_ref:
            found = await resolve_groups(session, ctx, [group_ref], errors, "group")
            group = found[0] if found else None
        errors.raise_if_any()
        # the object-level rules run once every field is valid, as DRF's validate() does
        check_action(
            action or "",
            group,
            {i: status for i, (_, status) in contacts.items()},
            {i: uuid for i, (uuid, _) in contacts.items()},
        )
        outcome = await apply_action(
            session, org_id=ctx.org_id, action=action or "", contact_ids=ids, group=group
        )
    await interrupt(ctx, outcome.interrupt_ids)
    await contacts_changed(ctx, outcome.changed_ids)
    return no_content()
