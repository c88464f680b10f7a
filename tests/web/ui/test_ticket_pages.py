"""The Tickets page: folders and their counts, the selected ticket with its contact's conversation, and every
action on it (reply, assign, note, topic, close, reopen) as stored rows; roles and workspace isolation."""

import json
import uuid

import httpx
import pytest
import redis
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import (
    Broadcast,
    Contact,
    ContactGroup,
    ContactURN,
    Msg,
    Ticket,
    TicketEvent,
    Topic,
    User,
    contact_group_contacts,
)
from upesi.db.models.msgs import broadcast_contacts
from upesi.domain import tickets as domain


async def _contact(org_id: int, name: str, phone: str) -> Contact:
    async with transaction() as s:
        contact = Contact(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(contact)
        await s.flush()
        s.add(
            ContactURN(
                org_id=org_id, contact_id=contact.id, scheme="tel", path=phone, identity=f"tel:{phone}"
            )
        )
        s.add(Msg(uuid=str(uuid.uuid4()), org_id=org_id, contact_id=contact.id, text=f"Help me, {name} here",
                  direction="I", status="H"))  # fmt: skip
        return contact


async def _topic(org_id: int, name: str | None = None) -> Topic:
    async with transaction() as s:
        if name is None:
            return (
                await s.execute(select(Topic).where(Topic.org_id == org_id, Topic.is_system))
            ).scalar_one()
        topic = Topic(uuid=str(uuid.uuid4()), org_id=org_id, name=name)
        s.add(topic)
        return topic


async def _open(org_id: int, contact: Contact, topic: Topic, **kw: int) -> Ticket:
    async with transaction() as s:
        ticket_id = (
            await domain.open_tickets(s, org_id=org_id, contact_ids=[contact.id], topic_id=topic.id, **kw)
        )[contact.id]
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _stored(ticket_id: int) -> Ticket:
    async with transaction() as s:
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _events(ticket_id: int) -> list[tuple[str, str | None]]:
    async with transaction() as s:
        rows = await s.execute(
            select(TicketEvent.event_type, TicketEvent.note)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        )
        return [(r.event_type, r.note) for r in rows]


async def test_folders_counts_and_conversation(site: Site, admin: httpx.AsyncClient) -> None:
    general = await _topic(site.org_id)
    sales = await _topic(site.org_id, "Sales")
    ann = await _contact(site.org_id, "Ann", "+250788000001")
    bob = await _contact(site.org_id, "Bob", "+250788000002")
    async with transaction() as s:
        admin_id = (
            await s.execute(select(User.id).where(User.email == site.emails["administrator"]))
        ).scalar_one()
    await _open(site.org_id, ann, general, assignee_id=admin_id)
    bobs = await _open(site.org_id, bob, sales)
    other_contact = await _contact(await _other_org(), "Jim", "+250788000009")
    await _open(other_contact.org_id, other_contact, await _topic(other_contact.org_id))

    assert (await admin.get("/ticket/")).headers["location"] == "/ticket/all/open/"
    page = await admin.get("/ticket/all/open/")
    assert page.status_code == 200
    assert '<a href="/ticket/" class="selected">Tickets</a>' in page.text  # in the menu
    for slug, n in (("mine", 1), ("unassigned", 1), ("all", 2), (general.uuid, 1), (sales.uuid, 1)):
        assert f'id="folder-{slug}"' in page.text
        assert (
            page.text.split(f'id="folder-{slug}"')[1]
            .split("</a>")[0]
            .endswith(f'<span class="muted">{n}</span>')
        )
    assert "Jim" not in page.text  # another workspace's tickets never show
    # the newest activity first, and selected with its contact's conversation
    assert page.text.index("Bob</a>") < page.text.index("Ann</a>")
    assert 'id="ticket-contact"><a href="/contact/read/' + bob.uuid in page.text
    assert "Help me, Bob here" in page.text and "Help me, Ann here" not in page.text

    mine = await admin.get("/ticket/mine/open/")
    assert "Ann</a>" in mine.text and "Bob</a>" not in mine.text
    topic = await admin.get(f"/ticket/{sales.uuid}/open/")
    assert "Bob</a>" in topic.text and "Ann</a>" not in topic.text
    assert 'id="no-tickets"' in (await admin.get("/ticket/all/closed/")).text
    read = await admin.get(f"/ticket/all/open/{bobs.uuid}/")
    assert read.status_code == 200 and "Help me, Bob here" in read.text
    assert (await admin.get("/ticket/nope/open/")).status_code == 404
    assert (await admin.get("/ticket/all/pending/")).status_code == 404
    assert (await admin.get(f"/ticket/all/open/{uuid.uuid4()}/")).status_code == 404


async def _other_org() -> int:
    async with transaction() as s:
        from upesi.db.models import Org

        return (await s.execute(select(Org.id).where(Org.name == "Other"))).scalar_one()


async def test_every_action_is_stored(site: Site, admin: httpx.AsyncClient, env: dict[str, str]) -> None:
    sales = await _topic(site.org_id, "Sales")
    ann = await _contact(site.org_id, "Ann", "+250788000001")
    ticket = await _open(site.org_id, ann, await _topic(site.org_id))
    back = f"/ticket/all/open/{ticket.uuid}/"
    page = await admin.get(back)
    token = csrf_from(page.text)
    async with transaction() as s:
        agent_id = (await s.execute(select(User.id).where(User.email == site.emails["agent"]))).scalar_one()
        viewer_id = (await s.execute(select(User.id).where(User.email == site.emails["viewer"]))).scalar_one()
    assert f'<option value="{agent_id}"' in page.text and f'<option value="{viewer_id}"' not in page.text

    async def act(action: str, **form: str) -> httpx.Response:
        resp = await admin.post(f"/ticket/act/{ticket.uuid}/",
                                data={"action": action, "back": back, "csrf_token": token, **form})  # fmt: skip
        assert resp.status_code == 303, resp.text
        return resp

    before = await _stored(ticket.id)
    resp = await act("reply", text="We are on it")
    assert resp.headers["location"].startswith(back + "?done=")
    async with transaction() as s:
        bcast = (await s.execute(select(Broadcast))).scalar_one()
        recipients = (await s.execute(select(broadcast_contacts.c.contact_id))).scalars().all()
    assert bcast.translations == {"eng": {"text": "We are on it"}} and list(recipients) == [ann.id]
    assert {"broadcast_id": bcast.id} in _queued(env, "send_broadcast")
    assert (await _stored(ticket.id)).last_activity_on > before.last_activity_on
    # an empty reply is refused with the field named, nothing sent
    refused = await act("reply", text="  ")
    assert "error=Message" in refused.headers["location"]

    await act("assign", assignee=str(agent_id))
    assert (await _stored(ticket.id)).assignee_id == agent_id
    await act("note", note="Call her back")
    await act("topic", topic=sales.uuid)
    assert (await _stored(ticket.id)).topic_id == sales.id
    bad_topic = await act("topic", topic=str(uuid.uuid4()))
    assert "error=Topic" in bad_topic.headers["location"]
    await act("close")
    closed = await _stored(ticket.id)
    assert closed.status == "C" and closed.closed_on is not None
    assert await _members(site.org_id) == set()
    await act("reopen")
    assert (await _stored(ticket.id)).status == "O" and await _members(site.org_id) == {ann.id}
    await act("assign", assignee="")
    assert (await _stored(ticket.id)).assignee_id is None
    assert await _events(ticket.id) == [("O", None), ("A", None), ("N", "Call her back"), ("T", None), ("C", None),
                                        ("R", None), ("A", None)]  # fmt: skip
    # the note and events show in the conversation
    shown = (await admin.get(back)).text
    assert "<em>Note</em>: Call her back" in shown and "<em>Topic changed</em>: Sales" in shown

    unknown = await admin.post(
        f"/ticket/act/{ticket.uuid}/", data={"action": "escalate", "csrf_token": token}
    )
    assert unknown.status_code == 400 and "Unknown action: escalate" in unknown.text


def _queued(env: dict[str, str], task_type: str) -> list[dict]:  # type: ignore[type-arg]
    """The bodies of the tasks of this type waiting in the batch queue (`<id>|<json>` payloads)."""
    r = redis.Redis.from_url(env["REDIS_URL"])
    payloads = [v for k in r.keys("{tasks:batch}*") if r.type(k) == b"list" for v in r.lrange(k, 0, -1)]
    tasks = [
        json.loads(p.split(b"|", 1)[1]) for p in payloads if b"|" in p
    ]  # (the signal list holds no tasks)
    return [t["task"] for t in tasks if t["type"] == task_type]


async def _members(org_id: int) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(contact_group_contacts.c.contact_id)
            .join(ContactGroup, ContactGroup.id == contact_group_contacts.c.group_id)
            .where(ContactGroup.org_id == org_id, ContactGroup.is_system)
        )
        return set(rows.scalars())


@pytest.mark.parametrize(("role", "reads", "acts"), [("agent", True, True), ("viewer", True, False)])
async def test_roles(site: Site, role: str, reads: bool, acts: bool) -> None:
    ann = await _contact(site.org_id, "Ann", "+250788000001")
    ticket = await _open(site.org_id, ann, await _topic(site.org_id))
    async with site.signed_in(role) as client:
        page = await client.get("/ticket/all/open/")
        assert page.status_code == (200 if reads else 403)
        assert ('id="ticket-close"' in page.text) is acts
        resp = await client.post(
            f"/ticket/act/{ticket.uuid}/", data={"action": "close", "csrf_token": csrf_from(page.text)}
        )
        assert resp.status_code == (303 if acts else 403)
    assert (await _stored(ticket.id)).status == ("C" if acts else "O")


async def test_another_workspaces_ticket_is_not_found(site: Site, admin: httpx.AsyncClient) -> None:
    jim = await _contact(await _other_org(), "Jim", "+250788000009")
    theirs = await _open(jim.org_id, jim, await _topic(jim.org_id))
    token = csrf_from((await admin.get("/ticket/all/open/")).text)
    assert (await admin.get(f"/ticket/all/open/{theirs.uuid}/")).status_code == 404
    resp = await admin.post(f"/ticket/act/{theirs.uuid}/", data={"action": "close", "csrf_token": token})
    assert resp.status_code == 404
    assert (await _stored(theirs.id)).status == "O"
