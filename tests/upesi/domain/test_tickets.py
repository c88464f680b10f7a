"""The tickets domain: each change writes the ticket and its event, changes nothing that would not change,
keeps one open ticket per contact, and keeps the "Open Tickets" system group current."""

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from upesi.db.engine import transaction
from upesi.db.models import (
    Contact,
    ContactGroup,
    Membership,
    Ticket,
    TicketEvent,
    Topic,
    User,
    contact_group_contacts,
)
from upesi.db.ops.orgs import create_workspace
from upesi.db.ops.smart_groups import refresh_contacts_groups
from upesi.domain import tickets
from upesi.domain.errors import DomainError


@dataclass
class World:
    org_id: int
    user_id: int
    other_user_id: int  # a user of another workspace
    general_id: int
    sales_id: int
    group_id: int
    ann: int
    bob: int
    other_org_contact: int


async def _world() -> World:
    async with transaction() as s:
        ws = await create_workspace(s, "Nyaruka", "admin@nyaruka.com", "Qwerty123!x")
        other = await create_workspace(s, "Other", "admin@other.com", "Qwerty123!x")
        general = (await s.execute(select(Topic).where(Topic.org_id == ws.org.id))).scalar_one()
        sales = Topic(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Sales")
        ann = Contact(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Ann")
        bob = Contact(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Bob")
        jim = Contact(uuid=str(uuid.uuid4()), org_id=other.org.id, name="Jim")
        s.add_all([sales, ann, bob, jim])
        await s.flush()
        group = (
            await s.execute(
                select(ContactGroup).where(ContactGroup.org_id == ws.org.id, ContactGroup.is_system)
            )
        ).scalar_one()
        return World(
            ws.org.id, ws.user.id, other.user.id, general.id, sales.id, group.id, ann.id, bob.id, jim.id
        )


async def _members(group_id: int) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(contact_group_contacts.c.contact_id).where(contact_group_contacts.c.group_id == group_id)
        )
        return set(rows.scalars())


async def _events(ticket_id: int) -> list[tuple[str, str | None, int | None, int | None, int | None]]:
    async with transaction() as s:
        rows = await s.execute(
            select(TicketEvent.event_type, TicketEvent.note, TicketEvent.topic_id, TicketEvent.assignee_id,
                   TicketEvent.created_by_id).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def _ticket(ticket_id: int) -> Ticket:
    async with transaction() as s:
        t = await s.get(Ticket, ticket_id)
        assert t is not None
        return t


async def test_new_workspace_has_the_open_tickets_system_group(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        g = await s.get(ContactGroup, w.group_id)
        assert g is not None
        assert (g.name, g.group_type, g.query, g.status, g.is_system) == (
            "Open Tickets",
            "Q",
            "tickets > 0",
            "R",
            True,
        )


async def test_open_one_per_contact_with_event_and_group(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        opened = await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann, w.bob, w.other_org_contact],
                                            topic_id=w.sales_id, assignee_id=w.user_id, note=" Call back ",
                                            opened_by_id=w.user_id)  # fmt: skip
    assert sorted(opened) == [w.ann, w.bob]  # the other workspace's contact gets none
    t = await _ticket(opened[w.ann])
    assert (t.org_id, t.status, t.topic_id, t.assignee_id, t.opened_by_id, t.closed_on) == (
        w.org_id, "O", w.sales_id, w.user_id, w.user_id, None)  # fmt: skip
    assert await _events(t.id) == [("O", "Call back", w.sales_id, w.user_id, w.user_id)]
    assert await _members(w.group_id) == {w.ann, w.bob}

    # a contact with an open ticket gets no second one
    async with transaction() as s:
        again = await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann], topic_id=w.general_id)
    assert again == {}
    async with transaction() as s:
        n = len((await s.execute(select(Ticket.id).where(Ticket.contact_id == w.ann))).all())
    assert n == 1


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("topic", {"topic_id": -1}),
        ("assignee", {"assignee_id": "other"}),
        ("note", {"note": "x" * 10_001}),
    ],
)
async def test_open_refuses_bad_input_naming_the_field(db: None, field: str, kwargs: dict) -> None:
    w = await _world()
    args = {"topic_id": w.general_id, **kwargs}
    if args.get("assignee_id") == "other":
        args["assignee_id"] = w.other_user_id
    with pytest.raises(DomainError) as e:
        async with transaction() as s:
            await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann], **args)
    assert e.value.field == field
    async with transaction() as s:
        assert (await s.execute(select(Ticket.id))).first() is None


async def test_bulk_changes_write_only_what_changes(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        opened = await tickets.open_tickets(
            s, org_id=w.org_id, contact_ids=[w.ann, w.bob], topic_id=w.general_id
        )
    a, b = opened[w.ann], opened[w.bob]
    before = await _ticket(a)
    await asyncio.sleep(0.01)
    async with transaction() as s:
        assert await tickets.assign(s, org_id=w.org_id, ticket_ids=[b, a], assignee_id=w.user_id,
                                    user_id=w.user_id) == [b, a]  # fmt: skip
        # already theirs: nothing changes
        assert (
            await tickets.assign(s, org_id=w.org_id, ticket_ids=[a], assignee_id=w.user_id, user_id=w.user_id)
            == []
        )
        assert await tickets.add_note(
            s, org_id=w.org_id, ticket_ids=[a], note="Looks important", user_id=w.user_id
        ) == [a]
        assert await tickets.change_topic(s, org_id=w.org_id, ticket_ids=[a, b], topic_id=w.sales_id,
                                          user_id=w.user_id) == [a, b]  # fmt: skip
        assert (
            await tickets.change_topic(s, org_id=w.org_id, ticket_ids=[a], topic_id=w.sales_id, user_id=None)
            == []
        )
        assert await tickets.assign(
            s, org_id=w.org_id, ticket_ids=[a], assignee_id=None, user_id=w.user_id
        ) == [a]
    after = await _ticket(a)
    assert (after.assignee_id, after.topic_id, after.status) == (None, w.sales_id, "O")
    assert after.modified_on > before.modified_on and after.last_activity_on > before.last_activity_on
    assert await _events(a) == [
        ("O", None, w.general_id, None, None),
        ("A", None, None, w.user_id, w.user_id),
        ("N", "Looks important", None, None, w.user_id),
        ("T", None, w.sales_id, None, w.user_id),
        ("A", None, None, None, w.user_id),
    ]
    with pytest.raises(DomainError):
        async with transaction() as s:
            await tickets.add_note(s, org_id=w.org_id, ticket_ids=[a], note="  ", user_id=w.user_id)


async def test_close_and_reopen_keep_one_open_ticket_and_the_group(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        first = (await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann], topic_id=w.general_id))[
            w.ann
        ]
        assert await tickets.close(s, org_id=w.org_id, ticket_ids=[first], user_id=w.user_id) == [first]
        second = (await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann], topic_id=w.general_id))[
            w.ann
        ]
        bob = (await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.bob], topic_id=w.general_id))[
            w.bob
        ]
    assert await _members(w.group_id) == {w.ann, w.bob}

    async with transaction() as s:
        # Ann's first ticket cannot reopen while her second is open; a closed ticket does not close again
        assert await tickets.reopen(s, org_id=w.org_id, ticket_ids=[first], user_id=w.user_id) == []
        assert await tickets.close(
            s, org_id=w.org_id, ticket_ids=[second, bob, first], user_id=w.user_id
        ) == [second, bob]
    assert await _members(w.group_id) == set()
    closed = await _ticket(second)
    assert closed.status == "C" and closed.closed_on is not None

    async with transaction() as s:
        # both of Ann's are closed: only the first asked reopens
        assert await tickets.reopen(s, org_id=w.org_id, ticket_ids=[second, first, bob], user_id=w.user_id) == [
            second, bob]  # fmt: skip
    assert [(await _ticket(i)).status for i in (first, second, bob)] == ["C", "O", "O"]
    assert (await _ticket(second)).closed_on is None
    assert await _members(w.group_id) == {w.ann, w.bob}
    assert [e[0] for e in await _events(second)] == ["O", "C", "R"]
    assert [e[0] for e in await _events(first)] == ["O", "C"]


async def test_changes_never_reach_another_workspace(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        other_org = (
            await s.execute(select(Contact.org_id).where(Contact.id == w.other_org_contact))
        ).scalar_one()
        other_topic = (await s.execute(select(Topic.id).where(Topic.org_id == other_org))).scalar_one()
        theirs = (await tickets.open_tickets(s, org_id=other_org, contact_ids=[w.other_org_contact],
                                             topic_id=other_topic))[w.other_org_contact]  # fmt: skip
    async with transaction() as s:
        assert await tickets.close(s, org_id=w.org_id, ticket_ids=[theirs], user_id=w.user_id) == []
        assert (
            await tickets.add_note(s, org_id=w.org_id, ticket_ids=[theirs], note="x", user_id=w.user_id) == []
        )
    assert (await _ticket(theirs)).status == "O"
    assert await _events(theirs) == [("O", None, other_topic, None, None)]


async def test_group_follows_contact_status(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        await tickets.open_tickets(s, org_id=w.org_id, contact_ids=[w.ann], topic_id=w.general_id)
        await s.execute(update(Contact).where(Contact.id == w.ann).values(status="B"))
        await refresh_contacts_groups(s, w.org_id, [w.ann])
    assert await _members(w.group_id) == set()
    async with transaction() as s:
        await s.execute(update(Contact).where(Contact.id == w.ann).values(status="A"))
        await refresh_contacts_groups(s, w.org_id, [w.ann])
    assert await _members(w.group_id) == {w.ann}


async def test_lookups(db: None) -> None:
    w = await _world()
    async with transaction() as s:
        email = (await s.execute(select(User.email).where(User.id == w.user_id))).scalar_one()
        assert (await tickets.find_assignee(s, org_id=w.org_id, email=email.upper())).id == w.user_id  # type: ignore[union-attr]
        assert await tickets.find_assignee(s, org_id=w.org_id, email="admin@other.com") is None
        opened = await tickets.open_tickets(
            s, org_id=w.org_id, contact_ids=[w.ann, w.bob], topic_id=w.sales_id
        )
        await tickets.close(s, org_id=w.org_id, ticket_ids=[opened[w.bob]], user_id=None)
        assert await tickets.topic_counts(s, org_id=w.org_id, topic_ids=[w.sales_id, w.general_id]) == {
            w.sales_id: {"open": 1, "closed": 1}, w.general_id: {"open": 0, "closed": 0}}  # fmt: skip
        assert (await s.execute(select(Membership.id).where(Membership.user_id == w.other_user_id))).first()


async def test_engine_sees_the_group_without_its_query(db: None) -> None:
    """Mailroom's contacts carry no tickets, so the engine must not evaluate "tickets > 0": it would take every
    contact a flow changes out of the group. It gets the group as a static one; this module keeps its members."""
    from upesi.db.ops.assets import load_assets

    w = await _world()
    async with transaction() as s:
        s.add(
            ContactGroup(
                uuid=str(uuid.uuid4()), org_id=w.org_id, name="Adults", group_type="Q", query="age > 18"
            )
        )
        await s.flush()
        groups = {g["name"]: g for g in (await load_assets(s, w.org_id))["groups"]}
    assert "query" not in groups["Open Tickets"] and groups["Adults"]["query"] == "age > 18"
