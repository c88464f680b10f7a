"""tickets.json and ticket_actions.json, with the assertions of RapidPro's test_tickets.py and
test_ticket_actions.py (the expected values are RapidPro's), checked against the stored rows; topic counts
and the "Open Tickets" system group follow."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactGroup, Ticket, TicketEvent, Topic, User, contact_group_contacts
from upesi.domain import tickets as domain
from web.api.v2.values import fmt_dt

CLOSED_ON = datetime(2021, 1, 1, 12, 30, 45, 123456, UTC)


async def _topic(org_id: int, name: str | None = None) -> Topic:
    async with transaction() as s:
        if name is None:
            return (
                await s.execute(select(Topic).where(Topic.org_id == org_id, Topic.is_system))
            ).scalar_one()
    return await f.add(Topic(uuid=f.uid(), org_id=org_id, name=name))


async def _ticket(org_id: int, contact: Contact, *, closed_on: datetime | None = None, **kw: Any) -> Ticket:
    """A ticket as mailroom leaves one, in the workspace's General topic, through the domain."""
    topic = await _topic(org_id)
    async with transaction() as s:
        opened = await domain.open_tickets(
            s, org_id=org_id, contact_ids=[contact.id], topic_id=topic.id, **kw
        )
        ticket_id = opened[contact.id]
        if closed_on is not None:
            await domain.close(s, org_id=org_id, ticket_ids=[ticket_id], user_id=None)
            await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(closed_on=closed_on))
    async with transaction() as s:
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _user_id(email: str, first: str, last: str = "") -> int:
    async with transaction() as s:
        user = (await s.execute(select(User).where(User.email == email))).scalar_one()
        user.first_name, user.last_name = first, last
        return user.id


async def _stored(ticket: Ticket) -> Ticket:
    async with transaction() as s:
        row = await s.get(Ticket, ticket.id)
        assert row is not None
        return row


def _uuids(resp: Any) -> list[str]:
    return [t["uuid"] for t in resp.json()["results"]]


async def test_tickets_list(api: API) -> None:
    admin_id = await _user_id("admin@nyaruka.com", "Andy")
    agent_id = await _user_id("agent.admin@nyaruka.com", "Agnes")
    ann = await f.contact(api.ws.org_id, "Ann", ["twitter:annie"])
    bob = await f.contact(api.ws.org_id, "Bob", ["twitter:bobby"])
    jim = await f.contact(api.ws.org_id, "Jim", ["twitter:jimmy"])
    flow = await f.flow(api.ws.org_id, "Support")
    general = await _topic(api.ws.org_id)

    ticket1 = await _ticket(api.ws.org_id, ann, opened_by_id=admin_id, closed_on=CLOSED_ON)
    ticket2 = await _ticket(api.ws.org_id, bob, opened_in_id=flow.id)
    async with transaction() as s:  # Bob's first is closed so his second can open (one open ticket a contact)
        await domain.close(s, org_id=api.ws.org_id, ticket_ids=[ticket2.id], user_id=None)
    ticket3 = await _ticket(api.ws.org_id, bob, assignee_id=agent_id)
    ticket2 = await _stored(ticket2)
    # on another org
    await _ticket(api.other.org_id, await f.contact(api.other.org_id, "Jim", ["twitter:jimmy"]))

    # not permitted without a token; only GET is allowed
    assert (await api.client.get("/api/v2/tickets.json")).status_code == 403
    assert (await api.post("tickets.json", {})).status_code == 405
    assert (await api.delete("tickets.json")).status_code == 405

    expected = [
        {
            "uuid": str(ticket3.uuid),
            "contact": {"uuid": str(bob.uuid), "name": "Bob"},
            "status": "open",
            "topic": {"uuid": str(general.uuid), "name": "General"},
            "body": None,
            "assignee": {"email": "agent.admin@nyaruka.com", "name": "Agnes"},
            "opened_on": fmt_dt(ticket3.opened_on),
            "opened_by": None,
            "opened_in": None,
            "modified_on": fmt_dt(ticket3.modified_on),
            "closed_on": None,
        },
        {
            "uuid": str(ticket2.uuid),
            "contact": {"uuid": str(bob.uuid), "name": "Bob"},
            "status": "closed",
            "topic": {"uuid": str(general.uuid), "name": "General"},
            "body": None,
            "assignee": None,
            "opened_on": fmt_dt(ticket2.opened_on),
            "opened_by": None,
            "opened_in": {"uuid": str(flow.uuid), "name": "Support"},
            "modified_on": fmt_dt(ticket2.modified_on),
            "closed_on": fmt_dt(ticket2.closed_on),
        },
        {
            "uuid": str(ticket1.uuid),
            "contact": {"uuid": str(ann.uuid), "name": "Ann"},
            "status": "closed",
            "topic": {"uuid": str(general.uuid), "name": "General"},
            "body": None,
            "assignee": None,
            "opened_on": fmt_dt(ticket1.opened_on),
            "opened_by": {"email": "admin@nyaruka.com", "name": "Andy"},
            "opened_in": None,
            "modified_on": fmt_dt(ticket1.modified_on),
            "closed_on": "2021-01-01T12:30:45.123456Z",
        },
    ]
    for role in ("editor", "administrator", "agent", "viewer"):
        resp = await api.get("tickets.json", token=api.ws.tokens[role])
        assert resp.status_code == 200, (role, resp.text)
        assert resp.json() == {"next": None, "previous": None, "results": expected}
        assert list(resp.json()["results"][0]) == list(expected[0])  # RapidPro's field order

    # filter by contact uuid (not there, another's, then present), then by ticket uuid
    assert _uuids(await api.get("tickets.json", contact="09d23a05-47fe-11e4-bfe9-b8f6b119e9ab")) == []
    assert _uuids(await api.get("tickets.json", contact=str(jim.uuid))) == []
    assert _uuids(await api.get("tickets.json", contact=str(bob.uuid))) == [
        str(ticket3.uuid),
        str(ticket2.uuid),
    ]
    assert _uuids(await api.get("tickets.json", uuid=str(ticket3.uuid))) == [str(ticket3.uuid)]
    assert (await api.get("tickets.json", uuid="nope")).status_code == 400

    # modified_on window and ordering
    assert _uuids(await api.get("tickets.json", before=fmt_dt(ticket2.modified_on))) == [
        str(ticket2.uuid), str(ticket1.uuid)]  # fmt: skip
    assert _uuids(await api.get("tickets.json", after=fmt_dt(ticket2.modified_on))) == [
        str(ticket3.uuid), str(ticket2.uuid)]  # fmt: skip
    assert _uuids(await api.get("tickets.json", reverse="true")) == [
        str(ticket1.uuid), str(ticket2.uuid), str(ticket3.uuid)]  # fmt: skip
    assert _uuids(await api.get("tickets.json", after="not a date")) == []


async def _events(ticket: Ticket) -> list[tuple[str, str | None, int | None, int | None, int | None]]:
    async with transaction() as s:
        rows = await s.execute(
            select(TicketEvent.event_type, TicketEvent.note, TicketEvent.topic_id, TicketEvent.assignee_id,
                   TicketEvent.created_by_id).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"tickets": [str(x) for x in range(101)], "action": "close"},
         {"tickets": ["Ensure this field has no more than 100 elements."]}),
        ({"action": "close"}, {"tickets": ["This field is required."]}),
        ({"tickets": "abc", "action": "close"}, {"tickets": ['Expected a list of items but got type "str".']}),
        ({"tickets": [{}], "action": "close"}, {"tickets": ["Must be a string or integer"]}),
        ({"tickets": ["0"], "action": "close"}, {"tickets": ["No such object: 0"]}),
        ({"tickets": []}, {"action": ["This field is required."]}),
        ({"tickets": [], "action": "delete"}, {"action": ['"delete" is not a valid choice.']}),
        ({"tickets": [], "action": "assign", "assignee": "nobody@nyaruka.com"},
         {"assignee": ["No such object: nobody@nyaruka.com"]}),
        ({"tickets": [], "action": "assign", "assignee": "admin@other.com"},
         {"assignee": ["No such object: admin@other.com"]}),
        ({"tickets": [], "action": "change_topic", "topic": "nope"}, {"topic": ["No such object: nope"]}),
        ({"tickets": [], "action": "add_note", "note": "x" * 10_001},
         {"note": ["Ensure this field has no more than 10000 characters."]}),
    ],
)  # fmt: skip
async def test_ticket_actions_field_errors(
    api: API, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    resp = await api.post("ticket_actions.json", body, token=api.ws.tokens["agent"])
    assert resp.status_code == 400
    assert resp.json() == errors


async def test_ticket_actions(api: API) -> None:
    agent_id = await _user_id("agent.admin@nyaruka.com", "Agnes")
    joe = await f.contact(api.ws.org_id, "Joe Blow", ["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", ["facebook:123456"])
    sales = await _topic(api.ws.org_id, "Sales")
    ticket1 = await _ticket(api.ws.org_id, joe, closed_on=CLOSED_ON)
    ticket2 = await _ticket(api.ws.org_id, joe)
    ticket3 = await _ticket(api.ws.org_id, frank)
    # on another org
    ticket4 = await _ticket(api.other.org_id, await f.contact(api.other.org_id, "Jim", ["twitter:jimmy"]))
    agent = api.ws.tokens["agent"]

    assert (await api.get("ticket_actions.json")).status_code == 405
    assert (await api.client.post("/api/v2/ticket_actions.json", json={})).status_code == 403
    assert (await api.delete("ticket_actions.json")).status_code == 405

    async def post(body: dict[str, Any], token: str = agent) -> Any:
        return await api.post("ticket_actions.json", body, token=token)

    # a ticket of another workspace is not found
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket4.uuid)], "action": "close"})
    assert resp.status_code == 400
    assert resp.json() == {"tickets": [f"No such object: {ticket4.uuid}"]}

    # the action's own field missing
    for action, needed in (("assign", "assignee"), ("add_note", "note"), ("change_topic", "topic")):
        resp = await post({"tickets": [str(ticket1.uuid)], "action": action})
        assert resp.status_code == 400
        assert resp.json() == {"non_field_errors": [f'For action "{action}" you must specify the {needed}']}
    assert (await _stored(ticket4)).status == "O" and await _events(ticket1) == [
        ("O", None, ticket1.topic_id, None, None), ("C", None, None, None, None)]  # fmt: skip

    # assign valid tickets to a user (case-insensitive email), then unassign one
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket2.uuid)], "action": "assign",
                       "assignee": "Agent.Admin@nyaruka.com"})  # fmt: skip
    assert resp.status_code == 204, resp.text
    assert [(await _stored(t)).assignee_id for t in (ticket1, ticket2)] == [agent_id, agent_id]
    assert (await _events(ticket2))[-1] == ("A", None, None, agent_id, agent_id)
    resp = await post({"tickets": [str(ticket1.uuid)], "action": "assign", "assignee": None},
                      token=api.ws.token)  # fmt: skip
    assert resp.status_code == 204
    assert (await _stored(ticket1)).assignee_id is None
    assert (await _events(ticket1))[-1] == ("A", None, None, None, api.ws.user_id)
    # assigning the current assignee changes nothing: a failure
    resp = await post(
        {"tickets": [str(ticket2.uuid)], "action": "assign", "assignee": "agent.admin@nyaruka.com"}
    )
    assert resp.status_code == 200 and resp.json() == {"failures": [str(ticket2.uuid)]}

    # add a note to tickets
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket2.uuid)], "action": "add_note",
                       "note": "Looks important"})  # fmt: skip
    assert resp.status_code == 204
    for t in (ticket1, ticket2):
        assert (await _events(t))[-1] == ("N", "Looks important", None, None, agent_id)

    # change topic of tickets
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket2.uuid)], "action": "change_topic",
                       "topic": str(sales.uuid)})  # fmt: skip
    assert resp.status_code == 204
    assert [(await _stored(t)).topic_id for t in (ticket1, ticket2)] == [sales.id, sales.id]
    assert (await _events(ticket2))[-1] == ("T", None, sales.id, None, agent_id)
    topics = {t["name"]: t["counts"] for t in (await api.get("topics.json")).json()["results"]}
    assert topics == {"General": {"open": 1, "closed": 0}, "Sales": {"open": 1, "closed": 1}}

    # close tickets: ticket1 reported as failure because it is already closed
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket2.uuid)], "action": "close"})
    assert resp.status_code == 200
    assert resp.json() == {"failures": [str(ticket1.uuid)]}
    assert [(await _stored(t)).status for t in (ticket1, ticket2)] == ["C", "C"]
    assert (await _events(ticket2))[-1] == ("C", None, None, None, agent_id)
    assert await _open_tickets_members(api.ws.org_id) == {frank.id}

    # and reopen them: both are Joe's, and a contact has one open ticket at most (goflow's rule; RapidPro's test
    # runs against a mocked mailroom and sees both reopen), so the second is a failure
    resp = await post({"tickets": [str(ticket1.uuid), str(ticket2.uuid)], "action": "reopen"})
    assert resp.status_code == 200
    assert resp.json() == {"failures": [str(ticket2.uuid)]}
    assert [(await _stored(t)).status for t in (ticket1, ticket2)] == ["O", "C"]
    assert (await _stored(ticket1)).closed_on is None
    assert (await _events(ticket1))[-1] == ("R", None, None, None, agent_id)
    assert await _open_tickets_members(api.ws.org_id) == {joe.id, frank.id}
    assert (await _stored(ticket3)).status == "O"

    # the Open Tickets group as groups.json shows it
    groups = (await api.get("groups.json")).json()["results"]
    assert [g for g in groups if g["system"]] == [
        {"uuid": groups[-1]["uuid"], "name": "Open Tickets", "query": "tickets > 0", "status": "ready",
         "system": True, "count": 2}]  # fmt: skip


async def _open_tickets_members(org_id: int) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(contact_group_contacts.c.contact_id)
            .join(ContactGroup, ContactGroup.id == contact_group_contacts.c.group_id)
            .where(ContactGroup.org_id == org_id, ContactGroup.is_system)
        )
        return set(rows.scalars())


async def test_open_tickets_group_cannot_be_changed(api: API) -> None:
    group = next(g for g in (await api.get("groups.json")).json()["results"] if g["system"])
    resp = await api.post("groups.json", {"name": "Won't work"}, uuid=group["uuid"])
    assert resp.status_code == 403 and resp.json() == {"detail": "Cannot modify system object."}
    resp = await api.delete("groups.json", uuid=group["uuid"])
    assert resp.status_code == 403 and resp.json() == {"detail": "Cannot delete system object."}
    assert [g["name"] for g in (await api.get("groups.json")).json()["results"]] == ["Open Tickets"]
    # nor can contacts be put in it by hand
    resp = await api.post("contacts.json", {"name": "Ann", "groups": [group["uuid"]]})
    assert resp.status_code == 400, resp.text
    async with transaction() as s:
        assert (await s.execute(select(contact_group_contacts.c.contact_id))).first() is None


async def test_documented_in_openapi_and_root(api: API) -> None:
    # the JSON listing (a browser gets the docs at /api/v2/); RapidPro lists the docs URLs, without .json
    root = (await api.client.get("/api/v2/.json")).json()
    assert root["tickets"] == "http://testserver/api/v2/tickets"
    assert root["ticket_actions"] == "http://testserver/api/v2/ticket_actions"
    spec = (await api.client.get("/api/v2/openapi.json")).json()
    listing = spec["paths"]["/tickets.json"]
    assert set(listing) == {"get"}
    assert {p["name"] for p in listing["get"]["parameters"]} == {"uuid", "contact", "before", "after", "reverse",
                                                                 "cursor"}  # fmt: skip
    assert listing["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Page_Ticket_"
    }
    assert list(spec["components"]["schemas"]["Ticket"]["properties"]) == [
        "uuid", "contact", "status", "topic", "body", "assignee", "opened_on", "opened_by", "opened_in",
        "modified_on", "closed_on"]  # fmt: skip
    actions = spec["paths"]["/ticket_actions.json"]
    assert set(actions) == {"post"}
    body = actions["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert set(body) == {"tickets", "action", "assignee", "note", "topic"}
