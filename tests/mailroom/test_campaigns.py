"""Campaigns: fires computed for group members, recalculated on change, turned into messages or flow starts
by the fire_contacts cron; stale fires do nothing."""

import asyncio
from datetime import UTC, datetime, timedelta

from mailroom import campaigns
from mailroom import fires as fires_mod
from mailroom.tasks import bulk_campaign_trigger, schedule_campaign_event
from tests.mailroom.test_support_batch import (
    add_campaign_event,
    add_date_field,
    execute,
    fires,
    one,
    queued_tasks,
    run_tasks,
    scalars,
    sent_msgs,
    set_date,
    workspace,
)
from upesi.db.engine import transaction
from upesi.queues.fair import QUEUE_THROTTLED

REMINDER = {"eng": "Reminder @contact.name: your appointment is tomorrow"}


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def appointment_setup(n: int = 3) -> tuple[dict, str, int, datetime]:
    ws = await workspace(n)
    field = await add_date_field(ws["org_id"])
    appointment = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    event = await add_campaign_event(
        ws["org_id"], ws["group_id"], field, offset=-24, unit="H", message=REMINDER
    )
    return ws, field, event, appointment


async def test_appointment_reminder_fires_24_hours_before(db: None) -> None:
    ws, field, event, appointment = await appointment_setup(3)
    c = ws["contact_ids"]
    await set_date(c[0], field, iso(appointment))
    await set_date(
        c[1], field, iso(datetime.now(UTC) - timedelta(days=2))
    )  # already past: nothing to schedule
    # c2 has no appointment
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    [fire] = await fires()
    assert fire.contact_id == c[0]
    assert fire.scope == f"{event}:0"
    assert fire.fire_on == appointment - timedelta(hours=24)

    # an hour before it is due nothing fires; once the clock passes it the reminder goes out
    assert await fires_mod.fire_due(now=fire.fire_on - timedelta(hours=1)) == 0
    assert await fires_mod.fire_due(now=fire.fire_on + timedelta(seconds=1)) == 1
    [task] = await queued_tasks(QUEUE_THROTTLED)
    assert task.type == "bulk_campaign_trigger"
    await run_tasks()
    assert [m["text"] for m in await sent_msgs()] == ["Reminder C0: your appointment is tomorrow"]
    assert await fires() == []

    await bulk_campaign_trigger.handle(ws["org_id"], task.task)  # redelivered: the fire is gone, nothing sent
    assert len(await sent_msgs()) == 1
    assert (await one("SELECT status FROM msgs WHERE direction = 'O'")).status == "Q"


async def test_fires_follow_field_and_group_changes(db: None) -> None:
    ws, field, event, appointment = await appointment_setup(2)
    c = ws["contact_ids"]
    await set_date(c[0], field, iso(appointment))
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    assert [f.contact_id for f in await fires()] == [c[0]]

    # the date moves: the fire moves with it; c1 gets an appointment: c1 gets a fire
    later = appointment + timedelta(days=1)
    await set_date(c[0], field, iso(later))
    await set_date(c[1], field, iso(appointment))
    async with transaction() as db:
        await campaigns.schedule_contacts(db, ws["org_id"], c)
    got = {f.contact_id: f.fire_on for f in await fires()}
    assert got == {c[0]: later - timedelta(hours=24), c[1]: appointment - timedelta(hours=24)}

    # c1 leaves the group: its fire goes
    await execute("DELETE FROM contact_group_contacts WHERE contact_id = :c", c=c[1])
    async with transaction() as db:
        await campaigns.schedule_contacts(db, ws["org_id"], [c[1]])
    assert [f.contact_id for f in await fires()] == [c[0]]


async def test_delivery_hour_in_workspace_timezone(db: None) -> None:
    ws = await workspace(1)
    await execute("UPDATE orgs SET timezone = 'Africa/Kigali' WHERE id = :o", o=ws["org_id"])  # UTC+2
    field = await add_date_field(ws["org_id"])
    event = await add_campaign_event(
        ws["org_id"], ws["group_id"], field, offset=-1, unit="D", delivery_hour=9, message=REMINDER
    )
    await set_date(ws["contact_ids"][0], field, "2099-03-10T15:30:00Z")
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    [fire] = await fires()
    assert fire.fire_on == datetime(2099, 3, 9, 7, 0, tzinfo=UTC)  # 09:00 in Kigali the day before


async def test_stale_fire_of_an_edited_event_does_nothing(db: None) -> None:
    ws, field, event, appointment = await appointment_setup(1)
    await set_date(ws["contact_ids"][0], field, iso(appointment))
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    [fire] = await fires()
    await execute("UPDATE campaign_events SET fire_version = fire_version + 1 WHERE id = :e", e=event)
    await fires_mod.fire_due(now=fire.fire_on + timedelta(seconds=1))
    await run_tasks()
    assert await sent_msgs() == []
    assert await fires() == []  # dropped


async def test_scheduling_an_event_makes_it_ready(db: None) -> None:
    """Web marks an event S (being scheduled) with each new fire version; the task that writes that version's
    fires sets R in the same transaction (RapidPro's CampaignEvent.status)."""
    ws, field, event, appointment = await appointment_setup(1)
    await set_date(ws["contact_ids"][0], field, iso(appointment))
    await execute("UPDATE campaign_events SET status = 'S', fire_version = 1 WHERE id = :e", e=event)
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    assert (await one("SELECT status FROM campaign_events WHERE id = :e", e=event)).status == "R"
    assert [f.scope for f in await fires()] == [f"{event}:1"]


async def test_flow_event_starts_the_flow_and_a_flow_setting_the_date_schedules_a_fire(db: None) -> None:
    ws = await workspace(1)
    c = ws["contact_ids"][0]
    field = await add_date_field(ws["org_id"])
    event = await add_campaign_event(
        ws["org_id"], ws["group_id"], field, offset=-2, unit="H", flow_id=ws["hello_id"]
    )
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    assert await fires() == []

    # a flow sets the date: committing its sprint schedules the fire
    from mailroom import runner
    from mailroom.contacts import load_contacts
    from mailroom.persist import commit_sprints

    appointment = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    async with transaction() as db:
        contact = (await load_contacts(db, ws["org_id"], [c]))[c]
    sprint = runner.Sprint(
        contact_id=c, session={"uuid": "00000000-0000-4000-8000-0000000000aa", "runs": []}, status="completed",
        contact=dict(contact, fields={"appointment": {"text": iso(appointment), "datetime": iso(appointment)}}),
        events=[{"type": "contact_field_changed", "field": {"key": "appointment", "name": "appointment"}}],
    )  # fmt: skip
    async with transaction() as db:
        await commit_sprints(db, ws["org_id"], [sprint])
    [fire] = await fires()
    assert fire.fire_on == appointment - timedelta(hours=2)

    await fires_mod.fire_due(now=fire.fire_on + timedelta(seconds=1))
    await run_tasks()
    runs = await scalars("SELECT flow_id FROM flow_runs WHERE contact_id = :c", c=c)
    assert runs == [ws["hello_id"]]
    assert [m["text"] for m in await sent_msgs()] == ["Hello C0, code "]


async def test_schedule_campaigns_cron_notices_new_edited_and_deleted_events(db: None) -> None:
    from mailroom.crons import schedule_campaigns

    ws, field, event, appointment = await appointment_setup(1)
    await set_date(ws["contact_ids"][0], field, iso(appointment))
    assert await schedule_campaigns.run() == 1  # a new event: its fires get computed
    assert await schedule_campaigns.run() == 1  # still queued, not yet done: asked again (harmless)
    await run_tasks()
    [fire] = await fires()
    assert fire.scope == f"{event}:0"
    assert await schedule_campaigns.run() == 0  # up to date

    # web edits the event (new offset, bumped version) without telling mailroom
    await execute('UPDATE campaign_events SET "offset" = -48, fire_version = 1 WHERE id = :e', e=event)
    assert await schedule_campaigns.run() == 1
    await run_tasks()
    [fire] = await fires()
    assert (fire.scope, fire.fire_on) == (f"{event}:1", appointment - timedelta(hours=48))

    # and deletes it
    await execute("UPDATE campaign_events SET is_active = false WHERE id = :e", e=event)
    assert await schedule_campaigns.run() == 1
    await run_tasks()
    assert await fires() == []
    assert await schedule_campaigns.run() == 0


async def test_claimed_fire_survives_a_recalculation_unless_its_time_moves(db: None) -> None:
    ws, field, event, _ = await appointment_setup(2)
    c = ws["contact_ids"]
    appointment = datetime.now(UTC) + timedelta(hours=24, seconds=2)  # the reminder is due in 2 s
    for cid in c:
        await set_date(cid, field, iso(appointment))
    await schedule_campaign_event.handle(ws["org_id"], {"event_id": event})
    assert len(await fires()) == 2
    await asyncio.sleep(2.5)
    assert await fires_mod.fire_due() == 2  # claimed, task queued

    # before the task runs: c0 is recalculated with the same date (its fire stays claimed), c1's date moves
    later = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    await set_date(c[1], field, iso(later))
    async with transaction() as db:
        await campaigns.schedule_contacts(db, ws["org_id"], c)
    await run_tasks()
    assert [m["contact"]["id"] for m in await sent_msgs()] == [c[0]]
    [left] = await fires()
    assert (left.contact_id, left.fire_on) == (c[1], later - timedelta(hours=24))
