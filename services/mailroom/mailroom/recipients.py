"""Who a flow start or a broadcast goes to: contacts, group members, URNs (creating contacts for new ones)
and a contact query, less the excluded. A few statements whatever the number of recipients."""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql import QueryError, contact_ids_for_query
from upesi.db.ops.contacts import resolve_contacts
from upesi.urns import parse_urn


@dataclass
class Recipients:
    contact_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    urns: list[str] = field(default_factory=list)
    query: str | None = None


@dataclass
class Exclusions:
    """in_a_flow: skip contacts with a waiting session (exclude_active). started_flow_id: skip contacts who
    ever ran this flow (restart_participants false). group_ids: skip members of these groups (a schedule
    trigger's exclude groups). Blocked, stopped and archived contacts are always left out: they are never
    messaged."""

    in_a_flow: bool = False
    started_flow_id: int | None = None
    group_ids: list[int] = field(default_factory=list)  # members of these groups are left out


async def resolve(db: AsyncSession, org_id: int, recipients: Recipients, exclusions: Exclusions) -> list[int]:
    """Recipient contact ids in id order (so batches are stable), without duplicates."""
    ids = list(recipients.contact_ids)
    if recipients.urns:
        parsed = []
        for raw in recipients.urns:
            try:
                parsed.append(parse_urn(raw))
            except ValueError:
                continue  # an invalid URN can't be messaged; the API validated what it could
        if parsed:
            resolved = await resolve_contacts(db, org_id, parsed)
            ids += [r.contact_id for r in resolved.values()]
    if recipients.query:
        try:
            ids += await contact_ids_for_query(db, org_id, recipients.query)
        except QueryError:
            pass  # a query that no longer parses (a field was deleted) matches nobody
    if recipients.group_ids:
        # members first, in their own query: one statement joining a large group to contacts can get a
        # nested-loop plan from stale statistics (a group just imported), which takes minutes, not ms
        members = await db.execute(
            text(
                "SELECT contact_id FROM contact_group_contacts WHERE group_id = ANY(CAST(:groups AS bigint[]))"
            ),
            {"groups": recipients.group_ids},
        )
        ids += list(members.scalars())
    if not ids:
        return []
    rows = await db.execute(
        text(
            """
            SELECT c.id FROM contacts c
            WHERE c.id = ANY(CAST(:ids AS bigint[])) AND c.org_id = :org AND c.is_active AND c.status = 'A'
              AND (NOT :in_a_flow OR c.current_session_uuid IS NULL)
              AND (CAST(:flow AS bigint) IS NULL OR NOT EXISTS (
                  SELECT 1 FROM flow_runs r WHERE r.flow_id = :flow AND r.contact_id = c.id))
              AND (cardinality(CAST(:excluded AS bigint[])) = 0 OR NOT EXISTS (
                  SELECT 1 FROM contact_group_contacts g
                  WHERE g.contact_id = c.id AND g.group_id = ANY(CAST(:excluded AS bigint[]))))
            ORDER BY c.id
            """
        ),
        {
            "org": org_id,
            "ids": sorted(set(ids)),
            "in_a_flow": exclusions.in_a_flow,
            "flow": exclusions.started_flow_id,
            "excluded": exclusions.group_ids,
        },
    )
    return list(rows.scalars())
