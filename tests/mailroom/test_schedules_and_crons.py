"""Scheduled broadcasts, the requeue/retry crons, flow-action starts and the cron runner."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from mailroom import runner
from mailroom.crons import Cron, CronRunner, fire_schedules, retry_msgs
from mailroom.followups import FLOW_ACTION
from mailroom.persist import commit_sprints
from tests.mailroom.test_support_batch import (
    HELLO_FLOW_UUID,
    execute,
    insert_broadcast,
    one,
    run_tasks,
    scalars,
    sent_msgs,
    workspace,
)
from upesi.db.engine import transaction
from upesi.schedules import next_fire

UTC_ = "UTC"


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)


@pytest.mark.parametrize(
    ("schedule", "tz", "after", "expected"),
    [
        ({"start": "2026-01-05T09:00:00Z", "repeat_period": "O"}, UTC_, "2026-01-05T09:00:01+00:00", None),
        ({"start": "2026-01-05T09:00:00Z", "repeat_period": "D"}, UTC_, "2026-01-05T08:00:00+00:00", "2026-01-05T09:00:00+00:00"),
        ({"start": "2026-01-05T09:00:00Z", "repeat_period": "D"}, UTC_, "2026-01-05T09:00:00+00:00", "2026-01-06T09:00:00+00:00"),
        # weekly on Mondays and Fridays: from Monday 5 Jan after 09:00, the Friday
        ({"start": "2026-01-05T09:00:00Z", "repeat_period": "W", "repeat_days_of_week": "MF"}, UTC_,
         "2026-01-05T10:00:00+00:00", "2026-01-09T09:00:00+00:00"),
        ({"start": "2026-01-05T09:00:00Z", "repeat_period": "W", "repeat_days_of_week": "MF"}, UTC_,
         "2026-01-09T09:30:00+00:00", "2026-01-12T09:00:00+00:00"),
        # monthly on the 31st: February has no 31st, so its last day
        ({"start": "2026-01-31T09:00:00Z", "repeat_period": "M"}, UTC_, "2026-02-01T00:00:00+00:00", "2026-02-28T09:00:00+00:00"),
        # the time of day holds in the workspace's timezone (09:00 in Kigali is 07:00 UTC)
        ({"start": "2026-01-05T07:00:00Z", "repeat_period": "D"}, "Africa/Kigali", "2026-01-05T08:00:00+00:00", "2026-01-06T07:00:00+00:00"),
    ],
)  # fmt: skip
def test_next_fire(schedule: dict, tz: str, after: str, expected: str | None) -> None:
    got = next_fire(schedule, tz, at(after))
    assert (got.astimezone(UTC) if got else None) == (at(expected) if expected else None)


async def test_repeating_broadcast_fires_a_copy_each_time(db: None) -> None:
    ws = await workspace(2)
    start = datetime.now(UTC) - timedelta(minutes=1)
    schedule = {"start": start.isoformat(), "repeat_period": "D"}
    bcast = await insert_broadcast(ws["org_id"], {"eng": {"text": "Daily hi @contact.name"}},
                                   group_ids=[ws["group_id"]], schedule=schedule)  # fmt: skip
    assert await fire_schedules.run() == 1
    assert await fire_schedules.run() == 0  # next fire is tomorrow
    await run_tasks()
    assert sorted(m["text"] for m in await sent_msgs()) == ["Daily hi C0", "Daily hi C1"]
    parent = await one("SELECT schedule, status FROM broadcasts WHERE id = :b", b=bcast)
    # tomorrow at the start's time of day
    assert at(parent.schedule["next_fire"]) == (start + timedelta(days=1)).replace(second=0, microsecond=0)
    assert parent.status == "P"  # the schedule itself is never sent
    copies = await scalars("SELECT status FROM broadcasts WHERE id <> :b", b=bcast)
    assert copies == ["C"]

    # a day later it fires again
    assert await fire_schedules.run(now=datetime.now(UTC) + timedelta(days=1)) == 1
    await run_tasks()
    assert len(await sent_msgs()) == 4


async def test_one_off_schedule_fires_once(db: None) -> None:
    ws = await workspace(1)
    bcast = await insert_broadcast(
        ws["org_id"], {"eng": {"text": "Once"}}, contact_ids=ws["contact_ids"],
        schedule={"start": (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "repeat_period": "O"},
    )  # fmt: skip
    assert await fire_schedules.run() == 0  # not yet
    assert await fire_schedules.run(now=datetime.now(UTC) + timedelta(hours=2)) == 1
    assert await fire_schedules.run(now=datetime.now(UTC) + timedelta(days=30)) == 0
    await run_tasks()
    assert [m["text"] for m in await sent_msgs()] == ["Once"]
    assert (await one("SELECT schedule FROM broadcasts WHERE id = :b", b=bcast)).schedule["next_fire"] is None


async def test_stuck_and_errored_msgs_are_requeued(db: None) -> None:
    ws = await workspace(3)
    c = ws["contact_ids"]
    for i, (status, age, next_attempt) in enumerate(
        [
            ("I", timedelta(minutes=5), None),
            ("I", timedelta(0), None),
            ("E", timedelta(minutes=10), timedelta(minutes=-1)),
        ]
    ):
        await execute(
            """
            INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status,
                              next_attempt, error_count, created_on, modified_on)
            SELECT gen_random_uuid(), :o, :ch, :c, u.id, :t, 'O', :st,
                   now() + CAST(:na AS interval), 1, now() - CAST(:age AS interval), now() - CAST(:age AS interval)
            FROM contact_urns u WHERE u.contact_id = :c
            """,
            o=ws["org_id"], ch=ws["channel_id"], c=c[i], t=f"m{i}", st=status, age=age, na=next_attempt,
        )  # fmt: skip
    await execute("UPDATE msgs SET next_attempt = NULL WHERE status = 'I'")
    assert await retry_msgs.requeue_stuck() == 1  # only the one stuck for over a minute
    assert await retry_msgs.retry_errored() == 1
    assert await retry_msgs.retry_errored() == 0
    assert sorted(m["text"] for m in await sent_msgs()) == ["m0", "m2"]
    assert [m["is_resend"] for m in await sent_msgs() if m["text"] == "m2"] == [True]
    rows = await scalars("SELECT status FROM msgs ORDER BY text")
    assert rows == ["Q", "I", "Q"]


async def test_flow_action_start_is_created_with_the_sprint_and_queued_by_cron(db: None) -> None:
    ws = await workspace(3)
    c = ws["contact_ids"]
    contact_uuids = await scalars("SELECT uuid::text FROM contacts WHERE id = ANY(:c) ORDER BY id", c=c)
    summary = {"uuid": "00000000-0000-4000-8000-0000000000bb", "flow": {"uuid": HELLO_FLOW_UUID, "name": "Hello"},
               "contact": {"uuid": contact_uuids[0], "name": "C0"}, "status": "active", "results": {}}  # fmt: skip
    event = {
        "type": "session_triggered", "flow": {"uuid": HELLO_FLOW_UUID, "name": "Hello"},
        "contacts": [{"uuid": contact_uuids[1], "name": "C1"}], "urns": ["tel:+15554440000"],
        "exclusions": {}, "run_summary": summary, "history": {"parent_uuid": "x", "ancestors": 1},
    }  # fmt: skip
    sprint = runner.Sprint(
        contact_id=c[0], session={"uuid": "00000000-0000-4000-8000-0000000000cc", "runs": []}, status="completed",
        contact={"uuid": contact_uuids[0], "name": "C0", "status": "active"}, events=[event],
    )  # fmt: skip
    async with transaction() as db:
        await commit_sprints(db, ws["org_id"], [sprint])
    start = await one("SELECT id, start_type, status, urns, params FROM flow_starts")
    assert (start.start_type, start.status, start.urns) == ("F", "P", ["tel:+15554440000"])
    assert start.params[FLOW_ACTION]["run_summary"]["uuid"] == summary["uuid"]
    assert await scalars("SELECT contact_id FROM flow_start_contacts") == [c[1]]

    assert await retry_msgs.queue_pending() == 1
    assert await retry_msgs.queue_pending() == 0  # pushed once, not on every run
    await run_tasks()
    started = await scalars(
        "SELECT contact_id FROM flow_runs WHERE start_id = :s ORDER BY contact_id", s=start.id
    )
    assert len(started) == 2 and started[0] == c[1]
    assert (await one("SELECT status FROM flow_starts WHERE id = :s", s=start.id)).status == "C"
    session = await one("SELECT output FROM flow_sessions WHERE contact_id = :c", c=c[1])
    assert session.output["trigger"]["type"] == "flow_action"  # @parent is the triggering run


async def test_cron_runner_runs_each_cron_once_per_interval_across_runners(db: None) -> None:
    calls: list[str] = []

    async def job() -> None:
        calls.append("ran")

    runners = [CronRunner([Cron("test_job", 0.5, job)]) for _ in range(2)]
    for r in runners:
        r.start()
    await asyncio.sleep(1.2)
    for r in runners:
        await r.stop()
    # two runners over ~1.2 s of 0.5 s intervals: 2 or 3 runs, never one per runner per tick
    assert 2 <= len(calls) <= 3


def actions_flow(flow_uuid: str, actions: list[dict]) -> dict:
    """A flow of one node with these actions."""
    return {
        "uuid": flow_uuid, "name": "Actions " + flow_uuid[-4:], "spec_version": "14.4.2", "language": "eng",
        "type": "messaging", "revision": 1, "expire_after_minutes": 10080, "localization": {},
        "nodes": [{"uuid": flow_uuid[:-4] + "f002", "actions": actions,
                   "exits": [{"uuid": flow_uuid[:-4] + "f003", "destination_uuid": None}]}],
        "_ui": {"nodes": {}},
    }  # fmt: skip


async def test_start_session_and_send_broadcast_actions_of_a_real_flow(db: None) -> None:
    from mailroom import starts
    from tests.mailroom.test_support_batch import insert_start
    from upesi.db.ops.flows import save_flow

    ws = await workspace(3)
    c = ws["contact_ids"]
    c1_uuid, c2_uuid = await scalars(
        "SELECT uuid::text FROM contacts WHERE id = ANY(:c) ORDER BY id", c=c[1:]
    )
    flow = actions_flow(
        "9d1c2b3a-0000-4000-8000-00000000f001",
        [
            {"uuid": "9d1c2b3a-0000-4000-8000-00000000f101", "type": "start_session",
             "flow": {"uuid": HELLO_FLOW_UUID, "name": "Hello"}, "contacts": [{"uuid": c1_uuid, "name": "C1"}],
             "groups": [], "create_contact": False},
            {"uuid": "9d1c2b3a-0000-4000-8000-00000000f102", "type": "send_broadcast", "text": "News from @contact.name",
             "contacts": [{"uuid": c2_uuid, "name": "C2"}], "groups": [], "attachments": [], "quick_replies": []},
        ],
    )  # fmt: skip
    async with transaction() as db:
        parent = await save_flow(db, ws["org_id"], flow)
    await starts.split_start(ws["org_id"], await insert_start(ws["org_id"], parent.id, contact_ids=[c[0]]))
    await run_tasks()
    assert await retry_msgs.queue_pending() == 2  # the flow-action start and broadcast
    await run_tasks()
    texts = {m["contact"]["id"]: m["text"] for m in await sent_msgs()}
    assert texts == {c[1]: "Hello C1, code ", c[2]: "News from C0"}
    child = await one("SELECT s.start_type, s.status FROM flow_starts s WHERE s.start_type = 'F'")
    assert (child.start_type, child.status) == ("F", "C")
