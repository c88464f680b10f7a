"""Tickets: opening, assigning, notes, topics, closing and reopening, each for many tickets at once, and the
"Open Tickets" system group that follows them. API v2 (tickets, ticket_actions), the UI's tickets page and
mailroom (a flow's open_ticket action) all go through here, so the rules live in one place:

- a contact has at most one open ticket (goflow's TicketOpen and TicketReopen modifiers refuse otherwise);
- a change that changes nothing is no change (assigning the current assignee, closing a closed ticket...) and
  writes nothing; every change writes its TicketEvent row and bumps the ticket's modified_on and
  last_activity_on, as mailroom's ticket hooks do;
- the "Open Tickets" group holds exactly the active contacts with an open ticket.

Bulk functions take ticket ids (read from rows already scoped to the workspace; the workspace is checked
again in every statement) and return the ids they changed, in the order asked. Nothing here commits.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import ContactGroup, Membership, Ticket, Topic, User
from upesi.db.models.tickets import (
    TICKET_CLOSED,
    TICKET_EVENT_ASSIGNED,
    TICKET_EVENT_CLOSED,
    TICKET_EVENT_NOTE_ADDED,
    TICKET_EVENT_OPENED,
    TICKET_EVENT_REOPENED,
    TICKET_EVENT_TOPIC_CHANGED,
    TICKET_OPEN,
    TicketEvent,
)
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError
from upesi.flows.clock import uuid7

OPEN_TICKETS_GROUP = "Open Tickets"
OPEN_TICKETS_QUERY = "tickets > 0"  # RapidPro's query for the group; the engine evaluates it in flows
MAX_NOTE_LENGTH = 10_000  # RapidPro's Ticket.MAX_NOTE_LENGTH


def open_tickets_group(*, org_id: int, uuid: str) -> ContactGroup:
    """The system group every new workspace gets (RapidPro's ContactGroup.create_system_groups)."""
    return ContactGroup(uuid=uuid, org_id=org_id, name=OPEN_TICKETS_GROUP, group_type="Q",
                        query=OPEN_TICKETS_QUERY, status="R", is_system=True)  # fmt: skip


# ---- look-ups shared by API and UI ----


async def tickets_by_uuid(session: AsyncSession, *, org_id: int, uuids: Iterable[str]) -> dict[str, Ticket]:
    wanted = sorted(set(uuids))
    if not wanted:
        return {}
    rows = await session.execute(select(Ticket).where(in_workspace(Ticket, org_id), Ticket.uuid.in_(wanted)))
    return {str(t.uuid): t for t in rows.scalars()}


async def find_topic(session: AsyncSession, *, org_id: int, uuid: str) -> Topic | None:
    return (
        await session.execute(
            select(Topic).where(in_workspace(Topic, org_id), Topic.uuid == uuid, Topic.is_active).limit(1)
        )
    ).scalar_one_or_none()


async def find_assignee(session: AsyncSession, *, org_id: int, email: str) -> User | None:
    """A user of the workspace by email (case-insensitive), whatever their role, as RapidPro's UserField."""
    return (
        await session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(in_workspace(Membership, org_id), User.is_active, func.lower(User.email) == email.lower())
            .limit(1)
        )
    ).scalar_one_or_none()


async def topic_counts(
    session: AsyncSession, *, org_id: int, topic_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """{topic_id: {"open": n, "closed": n}} in one grouped count."""
    ids = sorted(set(topic_ids))
    counts = {i: {"open": 0, "closed": 0} for i in ids}
    if ids:
        rows = await session.execute(
            select(Ticket.topic_id, Ticket.status, func.count())
            .where(in_workspace(Ticket, org_id), Ticket.topic_id.in_(ids))
            .group_by(Ticket.topic_id, Ticket.status)
        )
        for topic_id, status, n in rows:
            counts[topic_id]["open" if status == TICKET_OPEN else "closed"] = n
    return counts


async def _check_topic(session: AsyncSession, org_id: int, topic_id: int) -> None:
    found = await session.execute(
        select(Topic.id).where(Topic.id == topic_id, in_workspace(Topic, org_id), Topic.is_active)
    )
    if found.first() is None:
        raise DomainError("topic", f"No such topic: {topic_id}")


async def _check_assignee(session: AsyncSession, org_id: int, user_id: int | None) -> None:
    if user_id is None:
        return
    found = await session.execute(
        select(Membership.id).where(in_workspace(Membership, org_id), Membership.user_id == user_id)
    )
    if found.first() is None:
        raise DomainError("assignee", f"No such user in this workspace: {user_id}")


def _check_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise DomainError("note", "A note cannot be empty.")
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError("note", f"Ensure this field has no more than {MAX_NOTE_LENGTH} characters.")
    return note


async def _lock_contacts(session: AsyncSession, org_id: int, contact_ids: Iterable[int]) -> list[int]:
    """Lock the contacts' rows (in id order, so two callers cannot deadlock) before deciding on their open
    tickets: two openings for one contact then run one after the other. Returns the active ones."""
    rows = await session.execute(
        text(
            "SELECT id FROM contacts WHERE org_id = :org_id AND id = ANY(CAST(:ids AS bigint[])) AND is_active "
            "ORDER BY id FOR NO KEY UPDATE"
        ),
        {"org_id": org_id, "ids": sorted(set(contact_ids))},
    )
    return list(rows.scalars())


async def _with_open_ticket(session: AsyncSession, contact_ids: Sequence[int]) -> set[int]:
    if not contact_ids:
        return set()
    rows = await session.execute(
        select(Ticket.contact_id)
        .where(Ticket.contact_id.in_(contact_ids), Ticket.status == TICKET_OPEN)
        .distinct()
    )
    return set(rows.scalars())


# ---- opening ----


async def open_tickets(
    session: AsyncSession,
    *,
    org_id: int,
    contact_ids: Iterable[int],
    topic_id: int,
    assignee_id: int | None = None,
    note: str | None = None,
    opened_by_id: int | None = None,
    opened_in_id: int | None = None,
) -> dict[int, int]:
    """Open a ticket for each contact without an open one; returns {contact_id: new ticket id}. Contacts
    that already have an open ticket, or are not active contacts of the workspace, get none."""
    await _check_topic(session, org_id, topic_id)
    await _check_assignee(session, org_id, assignee_id)
    note = _check_note(note) if note and note.strip() else None
    locked = await _lock_contacts(session, org_id, contact_ids)
    busy = await _with_open_ticket(session, locked)
    todo = [c for c in locked if c not in busy]
    if not todo:
        return {}
    values = [{"uuid": uuid7(), "org_id": org_id, "contact_id": c, "topic_id": topic_id, "status": TICKET_OPEN,
               "assignee_id": assignee_id, "opened_by_id": opened_by_id, "opened_in_id": opened_in_id}
              for c in todo]  # fmt: skip
    rows = await session.execute(insert(Ticket).values(values).returning(Ticket.id, Ticket.contact_id))
    opened = {contact_id: ticket_id for ticket_id, contact_id in rows}
    events = [{"uuid": uuid7(), "org_id": org_id, "ticket_id": t, "contact_id": c, "event_type": TICKET_EVENT_OPENED,
               "topic_id": topic_id, "assignee_id": assignee_id, "note": note, "created_by_id": opened_by_id}
              for c, t in opened.items()]  # fmt: skip
    await session.execute(insert(TicketEvent).values(events))
    await sync_open_tickets_group(session, org_id=org_id, contact_ids=list(opened))
    return opened


# ---- changes to existing tickets ----


async def _change(
    session: AsyncSession,
    *,
    org_id: int,
    ticket_ids: Sequence[int],
    event_type: str,
    user_id: int | None,
    assignments: str = "",
    condition: str = "",
    values: dict[str, Any] | None = None,
) -> list[tuple[int, int]]:
    """One statement: update the tickets that the condition says would change, log an event for each, and
    return their (id, contact_id) in the order asked. `assignments`/`condition` are fixed SQL fragments of
    this module, never input."""
    if not ticket_ids:
        return []
    values = {"note": None, "topic_id": None, "assignee_id": None, **(values or {})}
    rows = await session.execute(
        text(
            f"""
            WITH changed AS (
                UPDATE tickets t SET {assignments} modified_on = now(), last_activity_on = now()
                 WHERE t.org_id = :org_id AND t.id = ANY(CAST(:ids AS bigint[])) {condition}
                RETURNING t.id, t.contact_id
            ), logged AS (
                INSERT INTO ticket_events (uuid, org_id, ticket_id, contact_id, event_type, note, topic_id,
                                           assignee_id, created_by_id)
                SELECT gen_random_uuid(), :org_id, id, contact_id, :event_type, CAST(:note AS text),
                       CAST(:topic_id AS bigint), CAST(:assignee_id AS bigint), CAST(:user_id AS bigint)
                  FROM changed
            )
            SELECT id, contact_id FROM changed
            """
        ),
        {"org_id": org_id, "ids": list(ticket_ids), "event_type": event_type, "user_id": user_id, **values},
    )
    changed = {r.id: r.contact_id for r in rows}
    return [(i, changed[i]) for i in dict.fromkeys(ticket_ids) if i in changed]


async def assign(
    session: AsyncSession,
    *,
    org_id: int,
    ticket_ids: Sequence[int],
    assignee_id: int | None,
    user_id: int | None,
) -> list[int]:
    """Assign (None: unassign); tickets already with that assignee are unchanged."""
    await _check_assignee(session, org_id, assignee_id)
    changed = await _change(session, org_id=org_id, ticket_ids=ticket_ids, event_type=TICKET_EVENT_ASSIGNED,
                            user_id=user_id, assignments="assignee_id = CAST(:assignee_id AS bigint),",
                            condition="AND t.assignee_id IS DISTINCT FROM CAST(:assignee_id AS bigint)",
                            values={"assignee_id": assignee_id})  # fmt: skip
    return [t for t, _ in changed]


async def add_note(
    session: AsyncSession, *, org_id: int, ticket_ids: Sequence[int], note: str, user_id: int | None
) -> list[int]:
    """A note on every ticket, open or closed (goflow's TicketNote applies to any ticket it finds)."""
    text_ = _check_note(note)
    changed = await _change(session, org_id=org_id, ticket_ids=ticket_ids, event_type=TICKET_EVENT_NOTE_ADDED,
                            user_id=user_id, values={"note": text_})  # fmt: skip
    return [t for t, _ in changed]


async def change_topic(
    session: AsyncSession, *, org_id: int, ticket_ids: Sequence[int], topic_id: int, user_id: int | None
) -> list[int]:
    await _check_topic(session, org_id, topic_id)
    changed = await _change(session, org_id=org_id, ticket_ids=ticket_ids, event_type=TICKET_EVENT_TOPIC_CHANGED,
                            user_id=user_id, assignments="topic_id = CAST(:topic_id AS bigint),",
                            condition="AND t.topic_id <> CAST(:topic_id AS bigint)",
                            values={"topic_id": topic_id})  # fmt: skip
    return [t for t, _ in changed]


async def close(
    session: AsyncSession, *, org_id: int, ticket_ids: Sequence[int], user_id: int | None
) -> list[int]:
    """Close the open ones; closed tickets are unchanged (and reported as failures by the API)."""
    changed = await _change(session, org_id=org_id, ticket_ids=ticket_ids, event_type=TICKET_EVENT_CLOSED,
                            user_id=user_id, assignments="status = 'C', closed_on = now(),",
                            condition="AND t.status = 'O'")  # fmt: skip
    await sync_open_tickets_group(session, org_id=org_id, contact_ids=[c for _, c in changed])
    return [t for t, _ in changed]


async def reopen(
    session: AsyncSession, *, org_id: int, ticket_ids: Sequence[int], user_id: int | None
) -> list[int]:
    """Reopen closed tickets of contacts with no open ticket; of several closed tickets of one contact only the
    first asked is reopened (goflow's TicketReopen: a contact with an open ticket gets no other)."""
    asked = list(dict.fromkeys(ticket_ids))
    if not asked:
        return []
    rows = (
        await session.execute(
            select(Ticket.id, Ticket.contact_id, Ticket.status).where(
                in_workspace(Ticket, org_id), Ticket.id.in_(asked)
            )
        )
    ).all()
    contact_of = {r.id: r.contact_id for r in rows if r.status == TICKET_CLOSED}
    locked = await _lock_contacts(session, org_id, contact_of.values())
    busy = await _with_open_ticket(session, locked)
    chosen = []
    for ticket_id in asked:
        contact_id = contact_of.get(ticket_id)
        if contact_id is not None and contact_id in locked and contact_id not in busy:
            chosen.append(ticket_id)
            busy.add(contact_id)
    changed = await _change(session, org_id=org_id, ticket_ids=chosen, event_type=TICKET_EVENT_REOPENED,
                            user_id=user_id, assignments="status = 'O', closed_on = NULL,",
                            condition="AND t.status = 'C'")  # fmt: skip
    await sync_open_tickets_group(session, org_id=org_id, contact_ids=[c for _, c in changed])
    return [t for t, _ in changed]


async def record_reply(session: AsyncSession, *, org_id: int, ticket_ids: Sequence[int]) -> None:
    """A message sent to the ticket's contact from the ticket is activity (mailroom's TicketRecordReplied): it
    moves the ticket up its folder. No event: the message itself is in the contact's history."""
    if ticket_ids:
        await session.execute(
            text(
                "UPDATE tickets SET last_activity_on = now() WHERE org_id = :org_id AND id = ANY(CAST(:ids AS bigint[]))"
            ),
            {"org_id": org_id, "ids": list(ticket_ids)},
        )


# ---- the "Open Tickets" group ----


async def sync_open_tickets_group(session: AsyncSession, *, org_id: int, contact_ids: Iterable[int]) -> None:
    """Make the workspace's "Open Tickets" group hold exactly those of these contacts that are active (status A,
    not deleted) and have an open ticket, in one statement; contacts whose membership changed get a new
    modified_on. Anything that opens or closes tickets, or changes a contact's status, calls this (mailroom
    too, with the contact ids of a batch)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    await session.execute(
        text(
            """
            WITH grp AS (
                SELECT id FROM contact_groups
                 WHERE org_id = :org_id AND is_system AND name = :name AND is_active
            ), wanted AS (
                SELECT c.id FROM contacts c
                 WHERE c.org_id = :org_id AND c.id = ANY(CAST(:ids AS bigint[])) AND c.is_active AND c.status = 'A'
                   AND EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = c.id AND t.status = 'O')
            ), removed AS (
                DELETE FROM contact_group_contacts m USING grp
                 WHERE m.group_id = grp.id AND m.contact_id = ANY(CAST(:ids AS bigint[]))
                   AND m.contact_id NOT IN (SELECT id FROM wanted)
                RETURNING m.contact_id
            ), added AS (
                INSERT INTO contact_group_contacts (group_id, contact_id)
                SELECT grp.id, wanted.id FROM grp, wanted
                ON CONFLICT DO NOTHING
                RETURNING contact_id
            )
            UPDATE contacts SET modified_on = now()
             WHERE id IN (SELECT contact_id FROM removed UNION SELECT contact_id FROM added)
            """
        ),
        {"org_id": org_id, "ids": ids, "name": OPEN_TICKETS_GROUP},
    )
