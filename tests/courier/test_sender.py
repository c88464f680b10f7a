"""The send path under volume, through a real courier process and a real local provider: with more senders
than a Redis client's default pool has connections (redis-py's 100), every queued message reaches the
provider exactly once, is marked W, and leaves no sending mark behind. Before the fix, senders that found the
pool exhausted left messages unsent for mailroom's 15-minute sweep (bench_courier_send.py never finished)."""

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from tests.courier.helpers import connect, create_channel, create_org
from tests.support.processes import fake_provider, free_port, service
from upesi.queues.outgoing import OutgoingQueues

SENDERS = 150  # more than redis-py's default pool (100 connections) holds
CHANNELS = 3
PER_CHANNEL = 500


async def _seed(dsn: str, provider: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Three channels with a TPS that does not bind, each with its Q messages; returns the queue items."""
    conn = await connect(dsn)
    try:
        org_id = await create_org(conn)
        out = []
        for _ in range(CHANNELS):
            config = {"send_url": provider + "/send", "method": "POST"}
            channel_id, channel_uuid = await create_channel(conn, org_id, "EX", "2020", config, tps=1000)
            rows = await conn.fetch(
                """
                WITH c AS (
                    INSERT INTO contacts (uuid, org_id, status, fields)
                    SELECT gen_random_uuid(), $1, 'A', '{}' FROM generate_series(1, $3) RETURNING id
                ), u AS (
                    INSERT INTO contact_urns (org_id, scheme, path, identity, priority, contact_id, auth_tokens)
                    SELECT $1, 'tel', '+25078' || lpad(id::text, 7, '0'), 'tel:+25078' || lpad(id::text, 7, '0'),
                           1000, id, '{}' FROM c
                    RETURNING id, contact_id, identity
                )
                INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
                SELECT gen_random_uuid(), $1, $2, u.contact_id, u.id, 'volume ' || u.id, 'O', 'Q' FROM u
                RETURNING id, uuid::text, contact_id, text,
                          (SELECT identity FROM contact_urns WHERE id = contact_urn_id) AS urn
                """,
                org_id, channel_id, PER_CHANNEL,
            )  # fmt: skip
            msgs = [_msg(r, org_id, channel_uuid) for r in rows]
            out.append((channel_uuid, msgs))
        return out
    finally:
        await conn.close()


def _msg(row: Any, org_id: int, channel_uuid: str) -> dict[str, Any]:
    """A message as mailroom queues it."""
    return {
        "id": row["id"], "uuid": row["uuid"], "org_id": org_id, "channel_uuid": channel_uuid,
        "contact": {"id": row["contact_id"], "uuid": str(uuid.uuid4())}, "urn": row["urn"], "text": row["text"],
        "attachments": [], "quick_replies": [], "high_priority": False, "origin": "broadcast", "session": None,
        "tps_cost": 1,
    }  # fmt: skip


async def _settled(dsn: str, redis: aioredis.Redis, expected: int, within: float) -> None:
    """Until every message is W and every sending mark is gone (removed just after the status is written),
    or nothing is left queued and neither has moved for 5 s."""
    conn = await connect(dsn)
    try:
        deadline = time.monotonic() + within
        last, since = (-1, -1), time.monotonic()
        while time.monotonic() < deadline:
            written = await conn.fetchval("SELECT count(*) FROM msgs WHERE direction = 'O' AND status = 'W'")
            marks = len([k async for k in redis.scan_iter("sending-msgs:*")])
            if written >= expected and not marks:
                return
            if (written, marks) != last:
                last, since = (written, marks), time.monotonic()
            queued = await redis.zcard("msgs:active") + await redis.scard("msgs:future")
            if not queued and time.monotonic() - since > 5:
                return
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def test_every_message_reaches_the_provider_once_with_more_senders_than_pooled_connections(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    courier_env = dict(env, COURIER_SENDERS=str(SENDERS))
    with (
        fake_provider(free_port(), log=tmp_path / "provider.log") as provider,
        service("courier", port, courier_env, log=tmp_path / "courier.log"),
    ):
        queued = await _seed(env["DATABASE_URL"], provider)
        redis = aioredis.from_url(env["REDIS_URL"], decode_responses=True)
        try:
            items = [(channel_uuid, 1000, [m], False) for channel_uuid, msgs in queued for m in msgs]
            await OutgoingQueues(redis).push_many(items)  # one signal wakes every idle sender at once
            expected = CHANNELS * PER_CHANNEL
            await _settled(env["DATABASE_URL"], redis, expected, within=180)
            sending_marks = [k async for k in redis.scan_iter("sending-msgs:*")]
        finally:
            await redis.aclose()
        async with httpx.AsyncClient(timeout=30) as client:
            sent = (await client.get(provider + "/sent")).json()

    arrived = Counter(entry["form"]["text"] for entry in sent if entry["path"] == "/send")
    texts = {m["text"] for _, msgs in queued for m in msgs}
    assert {t for t in texts if arrived[t] != 1} == set(), "messages not sent exactly once"
    assert set(arrived) == texts
    conn = await connect(env["DATABASE_URL"])
    try:
        statuses = dict(
            await conn.fetch("SELECT status, count(*) FROM msgs WHERE direction = 'O' GROUP BY 1")
        )
    finally:
        await conn.close()
    assert statuses == {"W": expected}
    assert sending_marks == []  # each mark removed once its status was recorded
