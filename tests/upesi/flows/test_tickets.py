"""Tickets on the contact: the ticket modifiers and the rules they keep (one open ticket at a time)."""

from __future__ import annotations

from typing import Any

from upesi.flows.modifiers import apply_modifiers

TOPIC = {"uuid": "472a7a73-96cb-4736-b567-056d987cc5b4", "name": "Weather"}
OTHER_TOPIC = {"uuid": "daa356b6-32af-44f0-9d35-6126d55ec3e9", "name": "Computers"}
USER = {"uuid": "0c78ef47-7d56-44d8-8f57-96e0f30e8f44", "name": "Bob", "email": "bob@example.com"}
OPEN_GROUP = {"uuid": "b4546d78-e202-4d59-9114-9bcaa2b6ee86", "name": "Open Tickets", "query": "tickets > 0"}
ASSETS = {"topics": [TOPIC, OTHER_TOPIC], "users": [USER], "groups": [OPEN_GROUP]}
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
           "created_on": "2024-01-01T00:00:00Z"}  # fmt: skip


def _apply(contact: dict[str, Any], *mods: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    after, events = apply_modifiers(ASSETS, contact, list(mods))
    return after, [e["type"] for e in events]


def test_open_then_close_then_reopen_follows_the_open_tickets_group() -> None:
    opened, types = _apply(CONTACT, {"type": "ticket_open", "topic": TOPIC, "assignee": USER, "note": "Help"})
    assert types == ["ticket_opened", "ticket_note_added", "contact_groups_changed"]
    (ticket,) = opened["tickets"]
    assert ticket["status"] == "open" and ticket["assignee"] == {"uuid": USER["uuid"], "name": "Bob"}
    assert opened["groups"] == [{"uuid": OPEN_GROUP["uuid"], "name": "Open Tickets"}]

    closed, types = _apply(opened, {"type": "ticket_close", "ticket_uuid": ticket["uuid"]})
    assert types == ["ticket_closed", "contact_groups_changed"]
    assert closed["tickets"][0]["status"] == "closed" and "groups" not in closed

    reopened, types = _apply(closed, {"type": "ticket_reopen", "ticket_uuid": ticket["uuid"]})
    assert types == ["ticket_reopened", "contact_groups_changed"]
    assert reopened["tickets"][0]["status"] == "open"


def test_a_second_ticket_isnt_opened_while_one_is_open() -> None:
    # a ticket stored without a status (as older contact JSON has them) counts as open
    contact = {**CONTACT, "tickets": [{"uuid": "01969b47-0583-76f8-ae7f-f8b243c49ff5", "topic": TOPIC}]}
    after, types = _apply(contact, {"type": "ticket_open", "topic": OTHER_TOPIC, "note": "again"})
    assert types == []
    assert len(after["tickets"]) == 1


def test_assignee_topic_and_note_changes_log_only_real_changes() -> None:
    opened, _ = _apply(CONTACT, {"type": "ticket_open", "topic": TOPIC})
    uuid = opened["tickets"][0]["uuid"]
    after, types = _apply(
        opened,
        {"type": "ticket_assignee", "ticket_uuid": uuid, "assignee": USER},
        {"type": "ticket_assignee", "ticket_uuid": uuid, "assignee": USER},
        {"type": "ticket_topic", "ticket_uuid": uuid, "topic": TOPIC},
        {"type": "ticket_topic", "ticket_uuid": uuid, "topic": OTHER_TOPIC},
        {"type": "ticket_note", "ticket_uuid": uuid, "note": "Looks important"},
    )
    assert types == ["ticket_assignee_changed", "ticket_topic_changed", "ticket_note_added"]
    assert after["tickets"][0]["topic"] == OTHER_TOPIC
    assert after["tickets"][0]["assignee"] == {"uuid": USER["uuid"], "name": "Bob"}


def test_changes_to_an_unknown_ticket_do_nothing() -> None:
    after, types = _apply(
        CONTACT, {"type": "ticket_close", "ticket_uuid": "01969b47-0000-7000-8000-000000000009"}
    )
    assert types == [] and "tickets" not in after
