"""Smart (query) groups: fill one from scratch, and keep every smart group of a workspace current for
contacts that changed. Membership is limited to active, not deleted contacts, as in RapidPro. The caller
owns the transaction."""

import logging
from dataclasses import dataclass, field

from sqlalchemy import and_, literal, select, text, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from upesi.contactql import (
    ContactData,
    ParsedQuery,
    QueryError,
    Resolver,
    load_resolver,
    matches,
    parse_query,
    to_sql,
)
from upesi.db.models import Contact, ContactGroup, contact_group_contacts
from upesi.db.scoping import in_workspace
from upesi.domain.tickets import sync_open_tickets_group

log = logging.getLogger(__name__)

POPULATE_BATCH = 1000


@dataclass
class GroupChanges:
    """(group_id, contact_id) pairs added to and removed from smart groups by a refresh."""

    added: list[tuple[int, int]] = field(default_factory=list)
    removed: list[tuple[int, int]] = field(default_factory=list)


def _eligible(parsed: ParsedQuery, org_id: int) -> ColumnElement[bool]:
    return and_(to_sql(parsed, org_id), Contact.status == "A")


def qualifies(parsed: ParsedQuery, contact: ContactData) -> bool:
    """In-memory twin of the membership rule used by the SQL below."""
    return contact.get("status", "A") == "A" and matches(parsed, contact)


async def populate_group(session: AsyncSession, group_id: int, batch_size: int = POPULATE_BATCH) -> int:
    """Replace a smart group's members with the contacts its query matches, inserting in batches of
    contact ids (INSERT ... SELECT, nothing read into Python). Returns the member count. Raises
    QueryError if the query no longer parses (e.g. a field it used was deleted)."""
    group = await session.get(ContactGroup, group_id)
    if group is None or group.group_type != "Q" or not group.query:
        raise ValueError(f"group {group_id} is not a smart group")
    parsed = parse_query(group.query, await load_resolver(session, group.org_id))
    await session.execute(update(ContactGroup).where(ContactGroup.id == group_id).values(status="E"))
    await session.execute(
        contact_group_contacts.delete().where(contact_group_contacts.c.group_id == group_id)
    )

    after, total = 0, 0
    while True:
        batch = (
            select(Contact.id)
            .where(_eligible(parsed, group.org_id), Contact.id > after)
            .order_by(Contact.id)
            .limit(batch_size)
            .cte("batch")
        )
        inserted = (
            contact_group_contacts.insert()
            .from_select(["group_id", "contact_id"], select(literal(group_id), batch.c.id))
            .returning(contact_group_contacts.c.contact_id)
            .add_cte(batch)
        )
        ids = (await session.execute(inserted)).scalars().all()
        total += len(ids)
        if len(ids) < batch_size:
            break
        after = max(ids)
    await session.execute(update(ContactGroup).where(ContactGroup.id == group_id).values(status="R"))
    return total


async def smart_groups(
    session: AsyncSession, org_id: int, resolver: Resolver
) -> list[tuple[int, ParsedQuery]]:
    """The workspace's smart groups with their parsed queries; a group whose query no longer parses is
    skipped (and logged) rather than emptied, so a deleted field doesn't silently drop its members."""
    # system groups ("Open Tickets") are kept by their owner (upesi.domain.tickets), not by their query
    rows = await session.execute(
        select(ContactGroup.id, ContactGroup.query).where(
            in_workspace(ContactGroup, org_id),
            ContactGroup.group_type == "Q",
            ContactGroup.is_active,
            ContactGroup.is_system.is_(False),
        )
    )
    groups = []
    for group_id, query in rows:
        try:
            groups.append((group_id, parse_query(query or "", resolver)))
        except QueryError as e:
            log.warning("smart group %s has an invalid query %r: %s", group_id, query, e)
    return groups


async def refresh_contacts_groups(session: AsyncSession, org_id: int, contact_ids: list[int]) -> GroupChanges:
    """Re-evaluate every smart group of the workspace for these contacts: one SELECT finds the
    (group, contact) pairs that should exist, one DELETE drops stale ones, one INSERT adds new ones."""
    changes = GroupChanges()
    if not contact_ids:
        return changes
    # a status change (blocked, stopped, back to active) moves contacts in or out of "Open Tickets" too
    await sync_open_tickets_group(session, org_id=org_id, contact_ids=contact_ids)
    groups = await smart_groups(session, org_id, await load_resolver(session, org_id))
    if not groups:
        return changes
    ids = sorted(set(contact_ids))
    wanted = union_all(
        *[
            select(literal(group_id).label("group_id"), Contact.id.label("contact_id")).where(
                Contact.id.in_(ids), _eligible(parsed, org_id)
            )
            for group_id, parsed in groups
        ]
    )
    pairs = [(r.group_id, r.contact_id) for r in await session.execute(wanted)]
    group_ids = [g for g, _ in groups]
    params = {
        "group_ids": group_ids,
        "contact_ids": ids,
        "want_groups": [g for g, _ in pairs],
        "want_contacts": [c for _, c in pairs],
    }
    removed = await session.execute(
        text(
            """
            DELETE FROM contact_group_contacts m
            WHERE m.group_id = ANY(:group_ids) AND m.contact_id = ANY(:contact_ids)
              AND (m.group_id, m.contact_id) NOT IN (
                  SELECT * FROM unnest(CAST(:want_groups AS bigint[]), CAST(:want_contacts AS bigint[])))
            RETURNING m.group_id, m.contact_id
            """
        ),
        params,
    )
    changes.removed = sorted((r.group_id, r.contact_id) for r in removed)
    added = await session.execute(
        text(
            """
            INSERT INTO contact_group_contacts (group_id, contact_id)
            SELECT * FROM unnest(CAST(:want_groups AS bigint[]), CAST(:want_contacts AS bigint[]))
            ON CONFLICT DO NOTHING
            RETURNING group_id, contact_id
            """
        ),
        params,
    )
    changes.added = sorted((r.group_id, r.contact_id) for r in added)
    return changes


def qualifying_groups(groups: list[tuple[int, ParsedQuery]], contact: ContactData) -> set[int]:
    """The smart groups a contact belongs in, evaluated in memory (no database round trip)."""
    return {group_id for group_id, parsed in groups if qualifies(parsed, contact)}


__all__ = [
    "GroupChanges",
    "populate_group",
    "qualifies",
    "qualifying_groups",
    "refresh_contacts_groups",
    "smart_groups",
]
