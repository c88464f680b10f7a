"""Courier behaviour beyond single handlers, against one real courier process for the module: de-duplication,
the double-send guard, TPS limits, splitting, channel logs for web."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis as sync_redis
import redis.asyncio as aioredis

from courier.logs import list_channel_logs
from tests.courier.helpers import (
    connect,
    create_channel,
    create_contact,
    create_org,
    create_outgoing,
    wait_for,
)
from tests.support import services
from tests.support.processes import fake_provider, free_port, service
from upesi.queues.outgoing import OutgoingQueues


@dataclass
class Setup:
    url: str
    provider: str
    dsn: str
    redis_url: str
    org_id: int


@pytest.fixture(scope="module")
def setup(template_db: str, redis_db: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    db_name = services.clone_database(template_db)
    sync_redis.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=redis_db).flushdb()
    tmp = tmp_path_factory.mktemp("courier-behaviour")
    env = {
        "DATABASE_URL": services.pg_dsn(db_name),
        "REDIS_URL": services.redis_url(redis_db),
        "SPOOL_DIR": str(tmp / "spool"),
        "ALLOW_PRIVATE_NETWORKS": "true",
        "COURIER_CHANNEL_CACHE_TTL": "0",
    }
    org_id = asyncio.run(_org(env["DATABASE_URL"]))
    port = free_port()
    try:
        with (
            fake_provider(free_port(), log=tmp / "provider.log") as provider,
            service("courier", port, env, log=tmp / "courier.log"),
        ):
            yield Setup(f"http://127.0.0.1:{port}", provider, env["DATABASE_URL"], env["REDIS_URL"], org_id)
    finally:
        services.drop_database(db_name)


async def _org(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        return await create_org(conn)
    finally:
        await conn.close()


@pytest.fixture
async def s(setup: Setup) -> AsyncIterator[Setup]:
    async with httpx.AsyncClient() as client:
        await client.delete(setup.provider + "/sent")
    yield setup


async def _channel(s: Setup, channel_type: str, config: dict[str, Any], tps: int = 10) -> tuple[int, str]:
    conn = await connect(s.dsn)
    try:
        return await create_channel(conn, s.org_id, channel_type, "2020", config, country="RW", tps=tps)
    finally:
        await conn.close()


async def _count(s: Setup, sql: str, *args: Any) -> int:
    conn = await connect(s.dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_duplicate_external_id_is_stored_once(s: Setup) -> None:
    _, channel_uuid = await _channel(s, "KN", {})
    params = {"sender": "+250788111111", "message": "Join", "ts": "1493735509", "id": f"ext-{uuid.uuid4()}"}
    async with httpx.AsyncClient() as client:
        first = await client.post(f"{s.url}/c/kn/{channel_uuid}/receive", params=params, content=b"x")
        second = await client.post(f"{s.url}/c/kn/{channel_uuid}/receive", params=params, content=b"x")
    assert first.status_code == second.status_code == 200
    assert first.json()["data"][0]["msg_uuid"] == second.json()["data"][0]["msg_uuid"]
    assert await _count(s, "SELECT count(*) FROM msgs WHERE external_id = $1", params["id"]) == 1


async def test_same_text_from_same_urn_within_seconds_is_stored_once(s: Setup) -> None:
    _, channel_uuid = await _channel(s, "EX", {})
    url = f"{s.url}/c/ex/{channel_uuid}/receive"
    async with httpx.AsyncClient() as client:
        a = await client.post(url, data={"from": "+250788222222", "text": "hello again"})
        b = await client.post(url, data={"from": "+250788222222", "text": "hello again"})
        c = await client.post(url, data={"from": "+250788222222", "text": "something else"})
    assert (
        a.json()["data"][0]["msg_uuid"] == b.json()["data"][0]["msg_uuid"] != c.json()["data"][0]["msg_uuid"]
    )
    texts = await _count(s, "SELECT count(*) FROM msgs WHERE text IN ('hello again', 'something else')")
    assert texts == 2


async def _queue(
    s: Setup, channel_id: int, channel_uuid: str, tps: int, texts: list[str], urn: str
) -> list[tuple[int, str]]:
    conn = await connect(s.dsn)
    try:
        contact_id, urn_id = await create_contact(conn, s.org_id, urn)
        rows = [await create_outgoing(conn, s.org_id, channel_id, contact_id, urn_id, t) for t in texts]
    finally:
        await conn.close()
    redis = aioredis.from_url(s.redis_url, decode_responses=True)
    queues = OutgoingQueues(redis)
    for (msg_id, msg_uuid), text in zip(rows, texts, strict=True):
        msg = {
            "id": msg_id, "uuid": msg_uuid, "org_id": s.org_id, "channel_uuid": channel_uuid,
            "contact": {"id": contact_id, "uuid": str(uuid.uuid4())}, "urn": urn, "text": text, "attachments": [],
            "quick_replies": [], "high_priority": False, "origin": "flow", "session": None, "tps_cost": 1,
        }  # fmt: skip
        await queues.push(channel_uuid, tps, [msg], False)
    await redis.aclose()
    return rows


async def _sent(s: Setup) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        return (await client.get(s.provider + "/sent")).json()


async def test_a_message_queued_twice_is_sent_once(s: Setup) -> None:
    channel_id, channel_uuid = await _channel(s, "EX", {"send_url": s.provider + "/send", "method": "POST"})
    rows = await _queue(s, channel_id, channel_uuid, 10, ["only once"], "tel:+250788333333")
    msg_id, msg_uuid = rows[0]
    await wait_for(lambda: _count(s, "SELECT count(*) FROM msgs WHERE id = $1 AND status = 'W'", msg_id))
    # mailroom re-queues the same message (a retry race): the guard answers W without a second request
    redis = aioredis.from_url(s.redis_url, decode_responses=True)
    msg = {"id": msg_id, "uuid": msg_uuid, "org_id": s.org_id, "channel_uuid": channel_uuid, "contact": {"id": 1},
           "urn": "tel:+250788333333", "text": "only once"}  # fmt: skip
    await OutgoingQueues(redis).push(channel_uuid, 10, [msg], True)
    await redis.aclose()
    await wait_for(lambda: _count(s, "SELECT cardinality(log_uuids) = 2 FROM msgs WHERE id = $1", msg_id))
    assert [r["form"]["text"] for r in await _sent(s)] == ["only once"]


async def test_sends_respect_channel_tps(s: Setup) -> None:
    channel_id, channel_uuid = await _channel(
        s, "EX", {"send_url": s.provider + "/send", "method": "POST"}, tps=2
    )
    texts = [f"tps {i}" for i in range(6)]
    rows = await _queue(s, channel_id, channel_uuid, 2, texts, "tel:+250788444444")
    ids = [r[0] for r in rows]
    await wait_for(
        lambda: _count(s, "SELECT count(*) = 6 FROM msgs WHERE id = ANY($1) AND status = 'W'", ids), within=20
    )
    sent = [r for r in await _sent(s) if r["form"]["text"] in texts]
    per_second = Counter(int(r["received_at"]) for r in sent)
    assert len(sent) == 6
    # each send starts inside the second its pop booked, before that second's last 200 ms (queues.outgoing)
    assert max(per_second.values()) <= 2, per_second
    assert max(r["received_at"] for r in sent) - min(r["received_at"] for r in sent) >= 1.0


async def test_long_messages_are_split_and_logs_are_listed_for_web(s: Setup) -> None:
    config = {"send_url": s.provider + "/send", "method": "POST", "max_length": 20}
    channel_id, channel_uuid = await _channel(s, "EX", config)
    text = "one two three four five six seven eight nine ten"
    rows = await _queue(s, channel_id, channel_uuid, 10, [text], "tel:+250788555555")
    await wait_for(lambda: _count(s, "SELECT count(*) FROM msgs WHERE id = $1 AND status = 'W'", rows[0][0]))
    parts = [r["form"]["text"] for r in await _sent(s)]
    assert len(parts) == 3 and " ".join(parts) == text and all(len(p) <= 20 for p in parts)

    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(s.dsn.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.connect() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            async with AsyncSession(bind=conn) as session:
                logs = await wait_for(lambda: list_channel_logs(session, channel_id))
    finally:
        await engine.dispose()
    assert logs[0]["log_type"] == "msg_send" and len(logs[0]["http_logs"]) == 3


async def test_third_send_error_fails_the_message(s: Setup) -> None:
    channel_id, channel_uuid = await _channel(s, "EX", {"send_url": s.provider + "/send", "method": "POST"})
    conn = await connect(s.dsn)
    try:
        contact_id, urn_id = await create_contact(conn, s.org_id, "tel:+250788777777")
        msg_id, msg_uuid = await create_outgoing(conn, s.org_id, channel_id, contact_id, urn_id, "third time")
        await conn.execute("UPDATE msgs SET error_count = 2, status = 'E' WHERE id = $1", msg_id)
    finally:
        await conn.close()
    async with httpx.AsyncClient() as client:
        await client.post(
            s.provider + "/_script", json={"path": "/send", "status": 500, "body": "down again"}
        )
    redis = aioredis.from_url(s.redis_url, decode_responses=True)
    msg = {"id": msg_id, "uuid": msg_uuid, "org_id": s.org_id, "channel_uuid": channel_uuid,
           "contact": {"id": contact_id}, "urn": "tel:+250788777777", "text": "third time"}  # fmt: skip
    await OutgoingQueues(redis).push(channel_uuid, 10, [msg], True)
    await redis.aclose()
    await wait_for(lambda: _count(s, "SELECT count(*) FROM msgs WHERE id = $1 AND error_count = 3", msg_id))
    conn = await connect(s.dsn)
    try:
        row = await conn.fetchrow("SELECT status, failed_reason FROM msgs WHERE id = $1", msg_id)
    finally:
        await conn.close()
    assert (row["status"], row["failed_reason"]) == ("F", "E")


async def test_messages_for_a_removed_channel_fail_instead_of_staying_queued(s: Setup) -> None:
    channel_id, channel_uuid = await _channel(s, "EX", {"send_url": s.provider + "/send", "method": "POST"})
    conn = await connect(s.dsn)
    try:
        await conn.execute("UPDATE channels SET is_active = false WHERE id = $1", channel_id)
    finally:
        await conn.close()
    rows = await _queue(s, channel_id, channel_uuid, 10, ["nowhere to go"], "tel:+250788888888")
    await wait_for(lambda: _count(s, "SELECT count(*) FROM msgs WHERE id = $1 AND status = 'F'", rows[0][0]))
    assert [r for r in await _sent(s) if r["form"].get("text") == "nowhere to go"] == []
