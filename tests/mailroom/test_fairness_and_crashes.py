"""Mailroom as a real process: one workspace's flood does not hold up another's single reply, and a
worker killed with SIGKILL mid-batch loses no work and sends nobody the same message twice."""

import asyncio
import json
import os
import signal
import time
from pathlib import Path

from sqlalchemy import text

from tests.mailroom.support import receive, receive_many
from tests.support import processes
from upesi.db.engine import transaction
from upesi.db.ops.channels import add_channel
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from upesi.db.ops.orgs import create_workspace
from upesi.queues.fair import QUEUE_REALTIME, FairQueue
from upesi.queues.outgoing import queue_name
from upesi.queues.redis import get_redis
from upesi_cli.demo import DEMO_CHANNEL_UUID, JOIN_FLOW, seed_demo

FLOOD_CHANNEL = "3b0c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


async def queued_msgs(channel_uuid: str) -> list[dict]:
    """Every message waiting in a channel's courier queues."""
    redis = get_redis()
    found = []
    for priority in ("1", "0"):
        for item in await redis.zrange(queue_name(channel_uuid, 10) + "/" + priority, 0, -1):
            found += json.loads(item)
    return found


async def flood_workspace(contacts: int, msg_text: str) -> list[int]:
    """A second workspace, with the join flow on its own channel, whose contacts all just wrote in."""
    async with transaction() as s:
        ws = await create_workspace(s, "Flood", "flood@example.com", "pw")
        await add_channel(
            s, ws.org.id, "EX", "+15559990000", {"send_url": "http://127.0.0.1:9/send"}, uuid=FLOOD_CHANNEL
        )
        flow = await save_flow(s, ws.org.id, dict(JOIN_FLOW, uuid="7f0e6d5c-4b3a-4291-8f7e-6d5c4b3a2910"))
        await add_keyword_trigger(s, ws.org.id, flow.id, ["join"])
        org_id = ws.org.id
    await receive_many(org_id, FLOOD_CHANNEL, contacts, msg_text, first_number=1)
    return [org_id]


async def wait_until(check, timeout: float, interval: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def test_single_reply_is_not_held_up_by_another_workspaces_flood(
    db: None, env: dict[str, str], tmp_path: Path
) -> None:
    async with transaction() as s:
        demo = await seed_demo(s)
    flood = 3000
    (flood_org,) = await flood_workspace(flood, "join")
    await receive(demo.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "join")

    realtime = FairQueue(get_redis(), QUEUE_REALTIME)
    assert await realtime.size() == flood + 1  # the demo's one task is queued behind the whole flood
    port = processes.free_port()
    with processes.service("mailroom", port, {"MAILROOM_WORKERS": "4"}, log=tmp_path / "mailroom.log"):
        replied = await wait_until(lambda: _replied(DEMO_CHANNEL_UUID), timeout=60)
        flood_left = await get_redis().llen(f"{{{QUEUE_REALTIME}}}:o:{flood_org}/1")
    assert replied == ["What is your name?"]
    # the demo's reply went out while most of the flood was still waiting its turn
    assert flood_left > flood / 2, f"only {flood_left} of {flood} flood tasks left when the reply was queued"


async def _replied(channel_uuid: str) -> list[str]:
    return [m["text"] for m in await queued_msgs(channel_uuid)]


async def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    db: None, env: dict[str, str], tmp_path: Path
) -> None:
    contacts = 600
    (org_id,) = await flood_workspace(contacts, "join")
    port = processes.free_port()
    # messages are written as Q: one whose writer was killed before pushing it is found by sweep_queued,
    # here after 5 s (15 min by default) and on a 5 s cycle; it also queues again messages that were pushed
    # (no courier drains the queue here): the same UUID twice, which courier's double-send guard sends once
    fast_recovery = {"MAILROOM_TASK_LEASE_SECONDS": "2", "CONTACT_LOCK_SECONDS": "3", "MAILROOM_WORKERS": "8",
                     "QUEUED_MSG_SECONDS": "5", "RECOVERY_CRON_SECONDS": "5"}  # fmt: skip
    log = tmp_path / "mailroom.log"

    async def sessions() -> int:
        async with transaction() as s:
            return (await s.execute(text("SELECT count(*) FROM flow_sessions"))).scalar_one()

    with processes.service("mailroom", port, fast_recovery, log=log) as first:
        await wait_until(lambda: _at_least(sessions, contacts // 5), timeout=60, interval=0.01)
        os.kill(first.pid, signal.SIGKILL)  # no chance to finish or release anything
        first.wait()
    done_before_restart = await sessions()
    assert done_before_restart < contacts, "the kill came too late to prove anything"

    with processes.service("mailroom", port, fast_recovery, log=log):
        await wait_until(lambda: _at_least(sessions, contacts), timeout=120)
        await wait_until(lambda: _all_handled(org_id), timeout=60)
        # a kill between commit and hand-off to courier leaves a message queued (Q) but not in courier's
        # queue: sweep_queued hands it over
        await wait_until(lambda: _all_in_courier_queue(org_id), timeout=150, interval=0.5)

    async with transaction() as s:
        per_contact = (
            await s.execute(
                text(
                    """
                    SELECT c.id, count(DISTINCT fs.id) AS sessions, count(DISTINCT m.id) AS questions
                    FROM contacts c
                    LEFT JOIN flow_sessions fs ON fs.contact_id = c.id
                    LEFT JOIN msgs m ON m.contact_id = c.id AND m.direction = 'O'
                    WHERE c.org_id = :org GROUP BY c.id
                    """
                ),
                {"org": org_id},
            )
        ).all()
        statuses = dict(
            (
                await s.execute(
                    text("SELECT status, count(*) FROM msgs WHERE direction = 'O' GROUP BY status")
                )
            ).all()
        )
    assert len(per_contact) == contacts
    assert all(r.sessions == 1 and r.questions == 1 for r in per_contact), [
        r for r in per_contact if r.sessions != 1 or r.questions != 1
    ][:5]
    assert statuses == {"Q": contacts}
    async with transaction() as s:
        stored = set((await s.execute(text("SELECT uuid::text FROM msgs WHERE direction = 'O'"))).scalars())
    queued = await queued_msgs(FLOOD_CHANNEL)
    # every stored message reached courier's queue; one handed over twice (by the sweep) carries the same
    # UUID, which courier's double-send guard sends once
    assert {m["uuid"] for m in queued} == stored
    assert {m["contact"]["uuid"] for m in queued} == {
        m["contact"]["uuid"] for m in queued if m["text"] == "What is your name?"
    }


async def _at_least(count, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await count() >= n


async def _all_handled(org_id: int) -> bool:
    async with transaction() as s:
        pending = (
            await s.execute(
                text("SELECT count(*) FROM msgs WHERE org_id = :o AND direction = 'I' AND status <> 'H'"),
                {"o": org_id},
            )
        ).scalar_one()
    return pending == 0


async def _all_in_courier_queue(org_id: int) -> bool:
    async with transaction() as s:
        stored = set(
            (
                await s.execute(
                    text("SELECT uuid::text FROM msgs WHERE org_id = :o AND direction = 'O'"), {"o": org_id}
                )
            ).scalars()
        )
    return stored <= {m["uuid"] for m in await queued_msgs(FLOOD_CHANNEL)}


async def test_single_reply_is_not_held_up_by_a_100k_contact_broadcast(
    db: None, env: dict[str, str], tmp_path: Path
) -> None:
    from upesi.queues.fair import QUEUE_BATCH

    size = 100_000
    async with transaction() as s:
        demo = await seed_demo(s)
        ws = await create_workspace(s, "Ministry", "m@example.com", "pw")
        await add_channel(
            s, ws.org.id, "EX", "+15559990000", {"send_url": "http://127.0.0.1:9/send"}, uuid=FLOOD_CHANNEL
        )
        broadcast_id = (
            await s.execute(
                text(
                    """
                    WITH grp AS (
                        INSERT INTO contact_groups (uuid, org_id, name) VALUES (gen_random_uuid(), :org, 'Everyone') RETURNING id
                    ), people AS (
                        INSERT INTO contacts (uuid, org_id, status, fields)
                        SELECT gen_random_uuid(), :org, 'A', '{}'::jsonb FROM generate_series(1, :n) RETURNING id
                    ), urns AS (
                        INSERT INTO contact_urns (org_id, contact_id, scheme, path, identity, priority, auth_tokens)
                        SELECT :org, id, 'tel', '+1666' || lpad(id::text, 8, '0'), 'tel:+1666' || lpad(id::text, 8, '0'), 1000, '{}'::jsonb
                        FROM people RETURNING contact_id
                    ), members AS (
                        INSERT INTO contact_group_contacts (group_id, contact_id) SELECT grp.id, urns.contact_id FROM grp, urns
                        RETURNING group_id
                    ), bcast AS (
                        INSERT INTO broadcasts (uuid, org_id, translations, base_language, status)
                        VALUES (gen_random_uuid(), :org, '{"eng": {"text": "Vaccination day is Saturday"}}', 'eng', 'P') RETURNING id
                    ), bgroups AS (
                        INSERT INTO broadcast_groups (broadcast_id, group_id) SELECT bcast.id, grp.id FROM bcast, grp RETURNING broadcast_id
                    )
                    SELECT (SELECT count(*) FROM members) AS m, (SELECT broadcast_id FROM bgroups)
                    """
                ),
                {"org": ws.org.id, "n": size},
            )
        ).one()[1]
    await FairQueue(get_redis(), QUEUE_BATCH).push(
        ws.org.id, "send_broadcast", {"broadcast_id": broadcast_id}
    )

    async def broadcast_msgs() -> int:
        async with transaction() as s:
            return (
                await s.execute(
                    text("SELECT count(*) FROM msgs WHERE broadcast_id = :b"), {"b": broadcast_id}
                )
            ).scalar_one()

    port = processes.free_port()
    with processes.service("mailroom", port, {"MAILROOM_WORKERS": "4"}, log=tmp_path / "mailroom.log"):
        await wait_until(
            lambda: _at_least(broadcast_msgs, 1), timeout=120, interval=0.2
        )  # the broadcast is under way
        await receive(demo.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "join")
        replied = await wait_until(lambda: _replied(DEMO_CHANNEL_UUID), timeout=60)
        sent_by_then = await broadcast_msgs()
    assert replied == ["What is your name?"]
    assert sent_by_then < size / 2, f"{sent_by_then} of {size} broadcast messages were made before the reply"
