"""Events the flows of today's tests can't all produce (ticket changes come from modifiers and later
actions, airtime needs a provider), given to commit_sprints as the engine would log them: the rows."""

import uuid
from typing import Any

from mailroom.persist import commit_sprints
from mailroom.runner import Sprint
from tests.mailroom.test_event_persistence import api, rows  # noqa: F401
from tests.web.api import factories
from tests.web.api.conftest import API
from upesi.db.engine import transaction


def uid() -> str:
    return str(uuid.uuid4())


def event(event_type: str, **payload: Any) -> dict[str, Any]:
    return {"uuid": uid(), "type": event_type, "created_on": "2026-12-01T10:00:00Z", **payload}


async def commit(org_id: int, contact_id: int, events: list[dict[str, Any]]) -> None:
    sprint = Sprint(contact_id=contact_id, session={"uuid": uid(), "runs": []}, status="completed",
                    contact={"uuid": uid()}, events=events)  # fmt: skip
    async with transaction() as db:
        await commit_sprints(db, org_id, [sprint])


async def test_ticket_events_open_assign_retopic_close_and_reopen(api: API) -> None:  # noqa: F811
    org = api.ws.org_id
    contact = await factories.contact(org, "Ann")
    [general] = await rows("SELECT uuid::text AS uuid FROM topics WHERE org_id = :o AND is_system", o=org)
    [sales] = await rows(
        "INSERT INTO topics (uuid, org_id, name) VALUES (gen_random_uuid(), :o, 'Sales') RETURNING uuid::text",
        o=org,
    )
    [user] = await rows("SELECT uuid::text AS uuid, id FROM users WHERE id = :u", u=api.ws.user_id)
    ticket = uid()
    await commit(org, contact.id, [
        event("ticket_opened", ticket={"uuid": ticket, "status": "open", "topic": {"uuid": general.uuid}}),
        event("ticket_note_added", ticket_uuid=ticket, note="first"),
        event("ticket_assignee_changed", ticket_uuid=ticket, assignee={"uuid": user.uuid}),
        event("ticket_topic_changed", ticket_uuid=ticket, topic={"uuid": sales.uuid, "name": "Sales"}),
        event("ticket_note_added", ticket_uuid=ticket, note="second"),
        event("ticket_closed", ticket_uuid=ticket),
    ])  # fmt: skip
    [t] = await rows(
        "SELECT t.status, t.closed_on, t.assignee_id, tp.name AS topic FROM tickets t"
        " JOIN topics tp ON tp.id = t.topic_id WHERE t.uuid = CAST(:t AS uuid)",
        t=ticket,
    )
    assert (t.status, t.assignee_id, t.topic) == ("C", user.id, "Sales") and t.closed_on is not None
    events = await rows(
        "SELECT e.event_type, e.note, e.assignee_id, tp.name AS topic FROM ticket_events e"
        " LEFT JOIN topics tp ON tp.id = e.topic_id ORDER BY e.id"
    )
    assert [(e.event_type, e.note, e.assignee_id, e.topic) for e in events] == [
        ("O", "first", None, None),
        ("A", None, user.id, None),
        ("T", None, None, "Sales"),
        ("N", "second", None, None),
        ("C", None, None, None),
    ]
    await commit(org, contact.id, [event("ticket_reopened", ticket_uuid=ticket)])
    [t] = await rows("SELECT status, closed_on FROM tickets WHERE uuid = CAST(:t AS uuid)", t=ticket)
    assert (t.status, t.closed_on) == ("O", None)


async def test_airtime_created_is_a_transfer_with_its_provider_calls(api: API) -> None:  # noqa: F811
    org = api.ws.org_id
    contact = await factories.contact(org, "Ann", urns=["tel:+250788123456"])
    log = {"url": "https://airtime.example/transfers", "status_code": 200, "request": "POST /transfers",
           "response": "{}", "elapsed_ms": 12, "retries": 0, "status": "success"}  # fmt: skip
    await commit(org, contact.id, [
        event("airtime_created", external_id="T-1", sender="tel:+250788000001", recipient="tel:+250788123456",
              currency="RWF", amount=500, http_logs=[log]),
    ])  # fmt: skip
    [t] = await rows(
        "SELECT status, external_id, recipient, currency, desired_amount, contact_id FROM airtime_transfers"
    )
    assert (t.status, t.external_id, t.recipient, t.currency, int(t.desired_amount), t.contact_id) == (
        "S",
        "T-1",
        "tel:+250788123456",
        "RWF",
        500,
        contact.id,
    )
    [h] = await rows("SELECT log_type, url, status_code, is_error FROM http_logs")
    assert (h.log_type, h.url, h.status_code, h.is_error) == ("airtime_transferred", log["url"], 200, False)


async def test_transfer_airtime_without_a_provider_is_an_error_event(api: API) -> None:  # noqa: F811
    from mailroom import runner
    from mailroom.contacts import load_contacts
    from mailroom.scene import load_org_scene
    from tests.mailroom.test_event_persistence import flow
    from upesi.db.ops.flows import save_flow

    org = api.ws.org_id
    contact = await factories.contact(org, "Ann", urns=["tel:+250788123456"])
    async with transaction() as s:
        f = await save_flow(s, org, flow([{"type": "transfer_airtime", "amounts": {"RWF": 500}}]))
        scene = await load_org_scene(s, org)
        contacts = await load_contacts(s, org, [contact.id], scene.field_keys)
    trigger = {"type": "manual", "flow": {"uuid": f.uuid, "name": f.name}, "triggered_on": runner.now_iso()}
    [sprint] = await runner.start_sessions(
        scene.engine_assets, scene.environment, [(contact.id, contacts[contact.id], trigger)]
    )
    assert [e["text"] for e in sprint.events if e["type"] == "error"] == ["no airtime service available"]
    async with transaction() as db:
        await commit_sprints(db, org, [sprint])
    assert await rows("SELECT id FROM airtime_transfers") == []


async def test_a_message_to_a_urn_added_in_the_same_sprint_is_sent_on_it(api: API) -> None:  # noqa: F811
    org = api.ws.org_id
    channel = await factories.channel(org)
    contact = await factories.contact(org, "Ann", urns=["mailto:ann@example.com"])
    sprint = Sprint(contact_id=contact.id, session={"uuid": uid(), "runs": []}, status="completed",
                    contact={"uuid": contact.uuid, "urns": ["mailto:ann@example.com"]}, events=[
        event("contact_urns_changed", urns=["mailto:ann@example.com", "tel:+250788999000"]),
        event("msg_created", msg={"uuid": uid(), "urn": "tel:+250788999000", "text": "Hello",
                                  "channel": {"uuid": channel.uuid, "name": channel.name}}),
    ])  # fmt: skip
    async with transaction() as db:
        [out] = await commit_sprints(db, org, [sprint])
    [urn] = await rows(
        "SELECT id FROM contact_urns WHERE identity = 'tel:+250788999000' AND contact_id = :c", c=contact.id
    )
    [msg] = await rows("SELECT contact_urn_id, status FROM msgs WHERE text = 'Hello'")
    assert (msg.contact_urn_id, msg.status) == (urn.id, "Q")  # Q at creation, pushed after the commit
    assert out.msgs[0]["urn_id"] == urn.id
