"""Channel events handled by mailroom (ctask event_received), queued as courier queues them: missed-call,
new-conversation and referral triggers start their flows; stop_contact stops the contact and ends its flows;
blocked and stopped contacts start nothing."""

import uuid
from typing import Any

from sqlalchemy import text

from mailroom import starts
from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.test_support_batch import (
    execute,
    insert_start,
    one,
    run_tasks,
    scalars,
    sent_msgs,
    workspace,
)
from upesi.db.engine import transaction
from upesi.db.models import Trigger
from upesi.queues.contacts import queue_contact_event
from upesi.queues.redis import get_redis


async def add_trigger(
    org_id: int,
    trigger_type: str,
    flow_id: int,
    channel_id: int | None = None,
    referrer_id: str | None = None,
) -> None:
    async with transaction() as s:
        s.add(
            Trigger(
                uuid=str(uuid.uuid4()), org_id=org_id, trigger_type=trigger_type, keywords=[], flow_id=flow_id,
                channel_id=channel_id, referrer_id=referrer_id,
            )
        )  # fmt: skip


async def channel_event(
    ws: dict[str, Any], contact_id: int, event_type: str, extra: dict | None = None
) -> int:
    """Store and queue the event as courier does, then let mailroom handle it; returns the event id."""
    async with transaction() as s:
        event_id = (
            await s.execute(
                text(
                    """
                    INSERT INTO channel_events (uuid, org_id, channel_id, event_type, contact_id, extra, occurred_on)
                    VALUES (gen_random_uuid(), :o, :ch, :t, :c, CAST(:x AS jsonb), now()) RETURNING id
                    """
                ),
                {"o": ws["org_id"], "ch": ws["channel_id"], "t": event_type, "c": contact_id, "x": "{}"},
            )
        ).scalar_one()
    await queue_contact_event(
        get_redis(), ws["org_id"], contact_id, "event_received",
        {"event_id": event_id, "event_type": event_type, "channel_id": ws["channel_id"], "extra": extra or {},
         "new_contact": False, "occurred_on": "2026-11-23T06:00:00Z"},
    )  # fmt: skip
    await handle(ws["org_id"], {"contact_id": contact_id})
    return event_id


async def runs(ws: dict[str, Any], contact_id: int) -> list[int]:
    return await scalars("SELECT flow_id FROM flow_runs WHERE contact_id = :c ORDER BY id", c=contact_id)


async def event_status(event_id: int) -> str:
    return (await one("SELECT status FROM channel_events WHERE id = :e", e=event_id)).status


async def test_missed_call_starts_the_missed_call_trigger_flow(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    await add_trigger(ws["org_id"], "M", ws["hello_id"])
    event_id = await channel_event(ws, c, "mo_miss")
    assert await runs(ws, c) == [ws["hello_id"]]
    assert [m["text"] for m in await sent_msgs("1")] == ["Hello C0, code "]  # a reply: high priority
    assert await event_status(event_id) == "H"


async def test_no_trigger_no_flow_and_the_event_is_handled(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    await add_trigger(ws["org_id"], "N", ws["hello_id"])  # a new-conversation trigger: not for a missed call
    event_id = await channel_event(ws, c, "mo_miss")
    assert await runs(ws, c) == []
    assert await event_status(event_id) == "H"


async def test_new_conversation_prefers_the_channel_trigger_and_unstops_the_contact(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    await add_trigger(ws["org_id"], "N", ws["hello_id"])
    await add_trigger(ws["org_id"], "N", ws["join_id"], channel_id=ws["channel_id"])
    await execute("UPDATE contacts SET status = 'S' WHERE id = :c", c=c)
    await channel_event(ws, c, "new_conversation")
    assert (await one("SELECT status FROM contacts WHERE id = :c", c=c)).status == "A"
    assert await runs(ws, c) == [ws["join_id"]]


async def test_referral_matches_its_referrer_then_falls_back_to_one_without(db: None) -> None:
    ws = await workspace(2)
    c0, c1 = ws["contact_ids"]
    await add_trigger(ws["org_id"], "R", ws["hello_id"])
    await add_trigger(ws["org_id"], "R", ws["join_id"], referrer_id="Spring-Ad")
    await channel_event(ws, c0, "referral", {"referrer_id": "spring-ad"})
    await channel_event(ws, c1, "referral", {"referrer_id": "other"})
    assert await runs(ws, c0) == [ws["join_id"]]
    assert await runs(ws, c1) == [ws["hello_id"]]


async def test_a_trigger_interrupts_the_waiting_session(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    await add_trigger(ws["org_id"], "M", ws["hello_id"])  # first: the workspace's triggers are cached a while
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], ws["join_id"], contact_ids=[c]))
    await run_tasks()
    await channel_event(ws, c, "mo_miss")
    assert await scalars("SELECT status FROM flow_sessions WHERE contact_id = :c ORDER BY id", c=c) == [
        "I",
        "C",
    ]


async def test_stop_contact_stops_and_ends_flows_and_a_stopped_or_blocked_contact_starts_nothing(
    db: None,
) -> None:
    ws = await workspace(2)
    c0, c1 = ws["contact_ids"]
    await add_trigger(ws["org_id"], "M", ws["hello_id"])
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], ws["join_id"], contact_ids=[c0]))
    await run_tasks()

    await channel_event(ws, c0, "stop_contact")
    contact = await one("SELECT status, current_session_uuid FROM contacts WHERE id = :c", c=c0)
    assert contact.status == "S" and contact.current_session_uuid is None
    assert await scalars("SELECT status FROM flow_sessions WHERE contact_id = :c", c=c0) == ["I"]
    await channel_event(ws, c0, "mo_miss")
    assert await runs(ws, c0) == [ws["join_id"]]  # nothing new

    await execute("UPDATE contacts SET status = 'B' WHERE id = :c", c=c1)
    await channel_event(ws, c1, "mo_miss")
    assert await runs(ws, c1) == []
