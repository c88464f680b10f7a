"""Schedule triggers fired by mailroom's fire_schedules cron: a flow start (type T) for the trigger's groups,
run by the start tasks, and the schedule moved on (a daily one to tomorrow)."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from mailroom.crons import fire_schedules
from tests.mailroom.test_support_batch import run_tasks, sent_msgs, workspace
from upesi.db.engine import transaction


async def add_schedule_trigger(ws: dict, schedule: dict) -> int:
    async with transaction() as db:
        trigger_id = (
            await db.execute(
                text(
                    "INSERT INTO triggers (uuid, org_id, trigger_type, flow_id, schedule)"
                    " VALUES (gen_random_uuid(), :o, 'S', :f, CAST(:s AS jsonb)) RETURNING id"
                ),
                {"o": ws["org_id"], "f": ws["hello_id"], "s": json.dumps(schedule)},
            )
        ).scalar_one()
        await db.execute(
            text("INSERT INTO trigger_groups (trigger_id, group_id) VALUES (:t, :g)"),
            {"t": trigger_id, "g": ws["group_id"]},
        )
    return trigger_id


async def test_a_due_daily_schedule_trigger_starts_its_flow_for_its_groups_once(db: None) -> None:
    ws = await workspace(3)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    trigger_id = await add_schedule_trigger(
        ws, {"start": start.isoformat(), "repeat_period": "D", "next_fire": start.isoformat()}
    )

    assert await fire_schedules.run(now=start - timedelta(minutes=1)) == 0
    assert await fire_schedules.run(now=start + timedelta(seconds=30)) == 1
    assert await fire_schedules.run(now=start + timedelta(seconds=40)) == 0  # moved on: not fired twice
    await run_tasks()

    assert sorted(m["text"] for m in await sent_msgs()) == [f"Hello C{i}, code " for i in range(3)]
    async with transaction() as db:
        start_row = (
            await db.execute(text("SELECT start_type, status, contact_count FROM flow_starts"))
        ).one()
        schedule = (
            await db.execute(text("SELECT schedule FROM triggers WHERE id = :id"), {"id": trigger_id})
        ).scalar_one()
    assert tuple(start_row) == ("T", "C", 3)
    assert datetime.fromisoformat(schedule["next_fire"]) == start + timedelta(days=1)


async def test_an_archived_schedule_trigger_fires_nothing(db: None) -> None:
    ws = await workspace(1)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    trigger_id = await add_schedule_trigger(ws, {"start": start.isoformat(), "repeat_period": "O"})
    async with transaction() as db:
        await db.execute(text("UPDATE triggers SET is_archived = true WHERE id = :id"), {"id": trigger_id})
    assert await fire_schedules.run(now=start + timedelta(minutes=1)) == 0


async def test_a_schedule_trigger_leaves_out_members_of_its_exclude_groups(db: None) -> None:
    ws = await workspace(3)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    trigger_id = await add_schedule_trigger(ws, {"start": start.isoformat(), "repeat_period": "O"})
    async with transaction() as db:
        excluded = (
            await db.execute(
                text(
                    "INSERT INTO contact_groups (uuid, org_id, name, group_type, status, is_active)"
                    " VALUES (gen_random_uuid(), :o, 'Opted out', 'M', 'R', true) RETURNING id"
                ),
                {"o": ws["org_id"]},
            )
        ).scalar_one()
        await db.execute(
            text("INSERT INTO contact_group_contacts (group_id, contact_id) VALUES (:g, :c)"),
            {"g": excluded, "c": ws["contact_ids"][1]},
        )
        await db.execute(
            text("INSERT INTO trigger_exclude_groups (trigger_id, group_id) VALUES (:t, :g)"),
            {"t": trigger_id, "g": excluded},
        )

    assert await fire_schedules.run(now=start + timedelta(seconds=30)) == 1
    await run_tasks()

    assert sorted(m["text"] for m in await sent_msgs()) == ["Hello C0, code ", "Hello C2, code "]
    async with transaction() as db:
        count = (await db.execute(text("SELECT contact_count FROM flow_starts"))).scalar_one()
    assert count == 2
