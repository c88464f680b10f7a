"""A campaign flow event in each start mode, for a contact waiting in another flow (C0) and one in no flow (C1):
interrupt starts both and interrupts C0's session; skip leaves C0 alone; passive starts both and C0 still waits
in its session afterwards (pointer, expiration and resume intact)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from mailroom import fires as fires_mod
from mailroom import starts
from mailroom.contact_events import msg_received  # noqa: F401  (registers the handler run by handle)
from mailroom.tasks import schedule_campaign_event
from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from tests.mailroom.test_support_batch import (
    add_campaign_event,
    add_date_field,
    fires,
    insert_start,
    one,
    run_tasks,
    scalars,
    set_date,
    workspace,
)
from upesi_cli.demo import DEMO_CHANNEL_UUID


async def setup(start_mode: str) -> tuple[dict[str, Any], str]:
    """C0 waits in the Join flow; both have a campaign flow event (Hello) come due. Returns (ids, C0's session)."""
    ws = await workspace(2)
    c0, c1 = ws["contact_ids"]
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], ws["join_id"], contact_ids=[c0]))
    await run_tasks()
    waiting = await one(
        "SELECT uuid::text AS uuid FROM flow_sessions WHERE contact_id = :c AND status = 'W'", c=c0
    )
    field = await add_date_field(ws["org_id"])
    event = await add_campaign_event(
        ws["org_id"],
        ws["group_id"],
        field,
        offset=-1,
        unit="H",
        flow_id=ws["hello_id"],
        start_mode=start_mode,
    )
    due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    for c in (c0, c1):
        await set_date(c, field, due)
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    [fire, _] = await fires()
    await fires_mod.fire_due(now=fire.fire_on + timedelta(seconds=1))
    await run_tasks()
    assert await fires() == []  # every fire spent, whatever the mode
    return ws, waiting.uuid


async def hello_runs(ws: dict[str, Any]) -> list[int]:
    return await scalars(
        "SELECT contact_id FROM flow_runs WHERE flow_id = :f ORDER BY contact_id", f=ws["hello_id"]
    )


async def session_status(session_uuid: str) -> str:
    return (
        await one("SELECT status FROM flow_sessions WHERE uuid = CAST(:u AS uuid)", u=session_uuid)
    ).status


async def test_interrupt_mode_interrupts_the_waiting_session(db: None) -> None:
    ws, join_session = await setup("I")
    assert await hello_runs(ws) == ws["contact_ids"]
    assert await session_status(join_session) == "I"
    c0 = await one("SELECT current_session_uuid FROM contacts WHERE id = :c", c=ws["contact_ids"][0])
    assert c0.current_session_uuid is None


async def test_skip_mode_leaves_contacts_in_a_flow_alone(db: None) -> None:
    ws, join_session = await setup("S")
    assert await hello_runs(ws) == [ws["contact_ids"][1]]
    assert await session_status(join_session) == "W"


async def test_passive_mode_starts_without_interrupting(db: None) -> None:
    ws, join_session = await setup("P")
    c0 = ws["contact_ids"][0]
    assert await hello_runs(ws) == ws["contact_ids"]
    assert await session_status(join_session) == "W"
    contact = await one(
        "SELECT current_session_uuid::text AS s, current_flow_id FROM contacts WHERE id = :c", c=c0
    )
    assert (contact.s, contact.current_flow_id) == (join_session, ws["join_id"])
    # the waiting session's expiration still stands
    [expiry] = await fires("E")
    assert (expiry.contact_id, expiry.session_uuid) == (c0, join_session)

    # and C0's reply goes to the session it was waiting in
    contact_id, _ = await receive(ws["org_id"], DEMO_CHANNEL_UUID, "tel:+15553000000", "Ann")
    assert contact_id == c0
    await handle(ws["org_id"], {"contact_id": c0})
    run = await one(
        "SELECT responded FROM flow_runs WHERE session_uuid = CAST(:u AS uuid) AND flow_id = :f",
        u=join_session,
        f=ws["join_id"],
    )
    assert run.responded
