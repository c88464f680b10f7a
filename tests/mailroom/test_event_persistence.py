"""What a flow's events leave behind, run by mailroom for a message as courier stores it, asserted on the
stored rows and on what API v2 returns: URNs, name, language, fields, labels, tickets (and their events),
an email received by a local SMTP server, resthook calls to local subscribers (one answering 410, which is
unsubscribed) and the resthook event listed by the API."""

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from tests.mailroom.webhook_target import Reply, Target, webhook_target
from tests.support.smtp import Inbox, smtp_server
from tests.web.api import factories
from tests.web.api.conftest import API, make_workspace
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from web.app import create_app


@pytest.fixture
async def api(db: None) -> AsyncIterator[API]:
    """The real web app over the test's database, for a workspace mailroom runs flows in."""
    ws = await make_workspace("Clinic", "admin@clinic.test")
    other = await make_workspace("Other", "admin@other.test")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app()), base_url="http://t"
    ) as client:
        yield API(client, ws, other)


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    with smtp_server("flows@upesi.test") as inbox:
        yield inbox


@pytest.fixture
def hooks() -> Iterator[Target]:
    with webhook_target() as t:
        yield t


def uid() -> str:
    return str(uuid.uuid4())


def flow(actions: list[dict[str, Any]], name: str = "Everything") -> dict[str, Any]:
    return {
        "uuid": uid(), "name": name, "spec_version": "14.4.2", "language": "eng", "type": "messaging",
        "revision": 1, "expire_after_minutes": 60, "localization": {},
        "nodes": [{"uuid": uid(), "actions": [{"uuid": uid(), **a} for a in actions],
                   "exits": [{"uuid": uid(), "destination_uuid": None}]}],
    }  # fmt: skip


async def start_flow(api: API, actions: list[dict[str, Any]], keyword: str = "go") -> tuple[str, int]:
    """A channel, the flow on a keyword; returns the channel's uuid and the flow's id."""
    channel = await factories.channel(api.ws.org_id)
    async with transaction() as s:
        f = await save_flow(s, api.ws.org_id, flow(actions))
        await add_keyword_trigger(s, api.ws.org_id, f.id, [keyword])
    return channel.uuid, f.id


async def send(api: API, channel_uuid: str, urn: str, msg: str) -> tuple[int, str]:
    contact_id, msg_uuid = await receive(api.ws.org_id, channel_uuid, urn, msg)
    await handle(api.ws.org_id, {"contact_id": contact_id})
    return contact_id, msg_uuid


async def rows(sql: str, **params: Any) -> list[Any]:
    async with transaction() as s:
        return list((await s.execute(text(sql), params)).all())


async def replies(contact_id: int) -> list[str]:
    return [
        r.text
        for r in await rows(
            "SELECT text FROM msgs WHERE contact_id = :c AND direction = 'O' ORDER BY id", c=contact_id
        )
    ]


async def api_contact(api: API, contact_id: int) -> dict[str, Any]:
    [row] = await rows("SELECT uuid::text AS uuid FROM contacts WHERE id = :c", c=contact_id)
    [contact] = (await api.get("contacts.json", uuid=row.uuid)).json()["results"]
    return contact


async def test_a_conversation_leaves_every_effect_readable(
    api: API,
    smtp: Inbox,
    hooks: Target,
) -> None:
    org = api.ws.org_id
    assert (await api.post("fields.json", {"name": "Nickname", "type": "text"})).status_code == 201
    label = (await api.post("labels.json", {"name": "Important"})).json()
    async with transaction() as s:
        await s.execute(text("INSERT INTO resthooks (org_id, slug) VALUES (:o, 'new-ticket')"), {"o": org})
    ok_url = hooks.script("/ok", Reply(200, b'{"ok": true}'))
    gone_url = hooks.script("/gone", Reply(410, b"gone"))
    for url in (ok_url, gone_url):
        r = await api.post("resthook_subscribers.json", {"resthook": "new-ticket", "target_url": url})
        assert r.status_code == 201, r.text
    [general] = await rows("SELECT uuid::text AS uuid FROM topics WHERE org_id = :o AND is_system", o=org)

    channel_uuid, flow_id = await start_flow(
        api,
        [
            {"type": "add_contact_urn", "scheme": "mailto", "path": "bob@example.com"},
            {"type": "send_msg", "text": 'URNs: @(join(contact.urns, ","))'},
            {"type": "set_contact_name", "name": "Bob"},
            {"type": "set_contact_language", "language": "kin"},
            {"type": "set_contact_field", "field": {"key": "nickname", "name": "Nickname"}, "value": "Bobby"},
            {"type": "add_input_labels", "labels": [{"uuid": label["uuid"], "name": "Important"}]},
            {"type": "open_ticket", "topic": {"uuid": general.uuid, "name": "General"}, "note": "Needs help"},
            {
                "type": "send_email",
                "addresses": ["staff@example.com"],
                "subject": "Ticket for @contact.name",
                "body": "@contact.name wrote @input.text",
            },
            {"type": "call_resthook", "resthook": "new-ticket", "result_name": "Hook"},
        ],
    )
    contact_id, msg_uuid = await send(api, channel_uuid, "tel:+250788111222", "go now")

    # the reply shows the new URN, and so do the stored URNs and the API
    assert await replies(contact_id) == ["URNs: tel:+250788111222,mailto:bob@example.com"]
    urns = await rows(
        "SELECT identity, priority FROM contact_urns WHERE contact_id = :c ORDER BY priority DESC",
        c=contact_id,
    )
    assert [u.identity for u in urns] == ["tel:+250788111222", "mailto:bob@example.com"]
    contact = await api_contact(api, contact_id)
    assert contact["urns"] == ["tel:+250788111222", "mailto:bob@example.com"]
    assert contact["name"] == "Bob" and contact["language"] == "kin"
    assert contact["fields"]["nickname"] == "Bobby"

    # the incoming message carries the label
    [msg] = (await api.get("messages.json", uuid=msg_uuid)).json()["results"]
    assert [lb["name"] for lb in msg["labels"]] == ["Important"]

    # one open ticket in the General topic, opened in the flow, with its note on the opened event
    [ticket] = await rows(
        "SELECT t.status, tp.name AS topic, t.opened_in_id FROM tickets t JOIN topics tp ON tp.id = t.topic_id"
        " WHERE t.contact_id = :c",
        c=contact_id,
    )
    assert (ticket.status, ticket.topic, ticket.opened_in_id) == ("O", "General", flow_id)
    [event] = await rows("SELECT event_type, note FROM ticket_events WHERE contact_id = :c", c=contact_id)
    assert (event.event_type, event.note) == ("O", "Needs help")
    assert [g["name"] for g in (await api_contact(api, contact_id))["groups"]] == ["Open Tickets"]

    # the email reached the SMTP server
    [(sender, to, data)] = smtp.messages
    assert sender == "flows@upesi.test" and to == ["staff@example.com"]
    assert "Subject: Ticket for Bob" in data and "Bob wrote go now" in data

    # both subscribers were called; the one that answered 410 is unsubscribed, the payload is listed
    assert hooks.hits("/ok") == 1 and hooks.hits("/gone") == 1
    subscribers = (await api.get("resthook_subscribers.json")).json()["results"]
    assert [s["target_url"] for s in subscribers] == [ok_url]
    [hook_event] = (await api.get("resthook_events.json")).json()["results"]
    assert hook_event["resthook"] == "new-ticket"
    assert hook_event["data"]["contact"]["uuid"] == contact["uuid"]
    logs = await rows("SELECT url, status_code FROM http_logs WHERE org_id = :o ORDER BY url", o=org)
    assert sorted((lg.url, lg.status_code) for lg in logs) == sorted([(ok_url, 200), (gone_url, 410)])


async def test_email_without_an_smtp_server_is_an_error_not_a_silence(
    api: API,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mailroom's engine has an email service; with no SMTP_URL, the action logs an error event saying so
    (error events are not stored, as in RapidPro: the sprint is where they are seen, the simulator shows them)."""
    from mailroom import runner
    from mailroom.contacts import load_contacts
    from mailroom.scene import load_org_scene
    from upesi.db.ops.contacts import resolve_contacts
    from upesi.urns import parse_urn

    monkeypatch.setenv("SMTP_URL", "")
    reset_settings()
    actions = [{"type": "send_email", "addresses": ["staff@example.com"], "subject": "Hi", "body": "Body"}]
    async with transaction() as s:
        f = await save_flow(s, api.ws.org_id, flow(actions))
        urn = parse_urn("tel:+250788111223")
        contact_id = (await resolve_contacts(s, api.ws.org_id, [urn]))[urn.identity].contact_id
        scene = await load_org_scene(s, api.ws.org_id)
        contacts = await load_contacts(s, api.ws.org_id, [contact_id], scene.field_keys)
    trigger = {"type": "manual", "flow": {"uuid": f.uuid, "name": f.name}, "triggered_on": runner.now_iso()}
    [sprint] = await runner.start_sessions(
        scene.engine_assets, scene.environment, [(contact_id, contacts[contact_id], trigger)]
    )
    errors = [e["text"] for e in sprint.events if e["type"] == "error"]
    assert errors == ["Unable to send email: no email server is configured (SMTP_URL is not set)"]
    assert not any(e["type"] == "email_sent" for e in sprint.events)


async def test_urns_are_reordered_removed_and_taken_from_another_contact(api: API) -> None:
    org = api.ws.org_id
    other = await factories.contact(org, "Ann", urns=["mailto:shared@example.com"])
    channel_uuid, _ = await start_flow(
        api,
        [
            {"type": "add_contact_urn", "scheme": "mailto", "path": "shared@example.com"},
            {"type": "add_contact_urn", "scheme": "twitter", "path": "bobby"},
        ],
    )
    contact_id, _ = await send(api, channel_uuid, "tel:+250788111224", "go")
    mine = await rows(
        "SELECT identity FROM contact_urns WHERE contact_id = :c ORDER BY priority DESC, id", c=contact_id
    )
    assert [u.identity for u in mine] == ["tel:+250788111224", "mailto:shared@example.com", "twitter:bobby"]
    assert await rows("SELECT id FROM contact_urns WHERE contact_id = :c", c=other.id) == []
    assert (await api_contact(api, other.id))["urns"] == []


async def test_a_contact_write_keeps_what_its_events_did_not_change(api: API) -> None:
    """The flow renames the contact; a field value written after the engine loaded the contact survives."""
    org = api.ws.org_id
    assert (await api.post("fields.json", {"name": "Nickname", "type": "text"})).status_code == 201
    channel_uuid, _ = await start_flow(api, [{"type": "set_contact_name", "name": "Renamed"}])
    contact_id, _ = await send(api, channel_uuid, "tel:+250788111225", "go")
    c = await api_contact(api, contact_id)
    r = await api.post("contacts.json", {"fields": {"nickname": "Bobby"}}, uuid=c["uuid"])
    assert r.status_code == 200, r.text
    # a stale copy of the contact as the engine saw it, written back: only the name may change
    from mailroom.persist import commit_sprints
    from mailroom.runner import Sprint

    sprint = Sprint(
        contact_id=contact_id,
        session={"uuid": uid(), "runs": []},
        status="completed",
        contact={"uuid": c["uuid"], "name": "Again", "fields": {}},
        events=[{"uuid": uid(), "type": "contact_name_changed", "name": "Again"}],
    )
    async with transaction() as db:
        await commit_sprints(db, org, [sprint])
    after = await api_contact(api, contact_id)
    assert after["name"] == "Again"
    assert after["fields"]["nickname"] == "Bobby"


async def test_a_field_created_through_the_api_is_seen_by_the_next_message(api: API) -> None:
    """The workspace's assets are cached by mailroom; a new field (and its value) is used at once."""
    channel_uuid, _ = await start_flow(
        api,
        [{"type": "send_msg", "text": "Hi @fields.nickname"}, {"type": "set_contact_name", "name": "Bob"}],
    )
    contact_id, _ = await send(api, channel_uuid, "tel:+250788111226", "go")  # assets loaded and cached
    assert (await api.post("fields.json", {"name": "Nickname", "type": "text"})).status_code == 201
    c = await api_contact(api, contact_id)
    r = await api.post("contacts.json", {"fields": {"nickname": "Bobby"}}, uuid=c["uuid"])
    assert r.status_code == 200 and r.json()["fields"]["nickname"] == "Bobby"
    await send(api, channel_uuid, "tel:+250788111226", "go")
    assert (await replies(contact_id))[-1] == "Hi Bobby"
    assert (await api_contact(api, contact_id))["fields"]["nickname"] == "Bobby"


async def test_contact_status_blocked_by_a_flow_is_stored_and_leaves_its_groups(api: API) -> None:
    org = api.ws.org_id
    group = (await api.post("groups.json", {"name": "Members"})).json()
    channel_uuid, _ = await start_flow(
        api,
        [
            {"type": "add_contact_groups", "groups": [{"uuid": group["uuid"], "name": "Members"}]},
            {"type": "set_contact_status", "status": "blocked"},
        ],
    )
    contact_id, _ = await send(api, channel_uuid, "tel:+250788111227", "go")
    assert await rows("SELECT status FROM contacts WHERE id = :c AND status = 'B'", c=contact_id)
    c = await api_contact(api, contact_id)
    assert c["status"] == "blocked" and c["groups"] == []
    assert (
        await rows(
            "SELECT 1 FROM contact_group_contacts m JOIN contact_groups g ON g.id = m.group_id"
            " WHERE g.org_id = :o AND m.contact_id = :c",
            o=org,
            c=contact_id,
        )
        == []
    )


async def test_a_contact_with_an_open_ticket_gets_no_second_one(api: API) -> None:
    channel_uuid, _ = await start_flow(api, [{"type": "open_ticket", "note": "@input.text"}])
    contact_id, _ = await send(api, channel_uuid, "tel:+250788111231", "go first")
    await send(api, channel_uuid, "tel:+250788111231", "go again")
    tickets = await rows("SELECT status FROM tickets WHERE contact_id = :c", c=contact_id)
    assert [t.status for t in tickets] == ["O"]
    notes = await rows("SELECT note FROM ticket_events WHERE contact_id = :c ORDER BY id", c=contact_id)
    assert [n.note for n in notes] == ["go first"]
