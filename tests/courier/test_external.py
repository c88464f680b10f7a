"""Courier as a real process with the External API (EX) channel: receiving, statuses, sending through the
fake provider, bad input, health and metrics."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from tests.courier.helpers import (
    connect,
    create_channel,
    create_contact,
    create_org,
    create_outgoing,
    wait_for,
)
from tests.support.processes import fake_provider, free_port, service
from upesi.queues.outgoing import OutgoingQueues, sending_key


@dataclass
class Courier:
    url: str
    provider: str
    dsn: str
    redis_url: str
    org_id: int
    channel_id: int
    channel_uuid: str


@pytest.fixture
async def courier(env: dict[str, str], tmp_path: Path) -> AsyncIterator[Courier]:
    provider_port, port = free_port(), free_port()
    with fake_provider(provider_port, log=tmp_path / "provider.log") as provider:
        conn = await connect(env["DATABASE_URL"])
        try:
            org_id = await create_org(conn)
            config = {"send_url": provider + "/send", "send_method": "POST", "content_type": "urlencoded"}
            channel_id, channel_uuid = await create_channel(conn, org_id, "EX", "2020", config, country="RW")
        finally:
            await conn.close()
        with service("courier", port, {"COURIER_CHANNEL_CACHE_TTL": "0"}, log=tmp_path / "courier.log"):
            yield Courier(
                f"http://127.0.0.1:{port}",
                provider,
                env["DATABASE_URL"],
                env["REDIS_URL"],
                org_id,
                channel_id,
                channel_uuid,
            )


async def test_receive_stores_message_and_contact_before_answering(courier: Courier) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.post(
            f"{courier.url}/c/ex/{courier.channel_uuid}/receive",
            data={"from": "+250788383383", "text": "Join"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["message"] == "Message Accepted"
    msg_uuid = body["data"][0]["msg_uuid"]

    conn = await connect(courier.dsn)
    try:
        # stored before the 200: no waiting here
        row = await conn.fetchrow("SELECT * FROM msgs WHERE uuid = $1", msg_uuid)
        assert row is not None
        assert (row["direction"], row["status"], row["text"], row["channel_id"]) == (
            "I",
            "P",
            "Join",
            courier.channel_id,
        )
        assert len(row["log_uuids"]) == 1
        urn = await conn.fetchrow(
            "SELECT identity, contact_id FROM contact_urns WHERE id = $1", row["contact_urn_id"]
        )
        assert urn["identity"] == "tel:+250788383383" and urn["contact_id"] == row["contact_id"]

        redis = aioredis.from_url(courier.redis_url, decode_responses=True)
        events = await redis.lrange(f"c:{courier.org_id}:{row['contact_id']}", 0, -1)
        await redis.aclose()
        assert len(events) == 1
        event = json.loads(events[0])
        assert event["type"] == "msg_received"
        assert event["task"]["msg_uuid"] == msg_uuid and event["task"]["msg_id"] == row["id"]
        assert event["task"]["new_contact"] is True and event["task"]["urn"] == "tel:+250788383383"

        log = await wait_for(
            lambda: conn.fetchrow("SELECT * FROM channel_logs WHERE uuid = $1", row["log_uuids"][0])
        )
        assert log["log_type"] == "msg_receive" and log["channel_id"] == courier.channel_id
    finally:
        await conn.close()


async def test_receive_by_query_params_and_sender_field(courier: Courier) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.get(
            f"{courier.url}/c/ex/{courier.channel_uuid}/receive",
            params={"sender": "0788383384", "text": "hi there"},
        )
    assert resp.status_code == 200, resp.text
    assert (
        resp.json()["data"][0]["urn"] == "tel:+250788383384"
    )  # national number parsed with the channel's country
    conn = await connect(courier.dsn)
    try:
        assert (
            await conn.fetchval("SELECT count(*) FROM msgs WHERE text = 'hi there' AND direction = 'I'") == 1
        )
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"text": "no sender"}, "from"), ({"from": "+250788383383"}, "text")],
)
async def test_receive_missing_field_is_400_and_stores_nothing(
    courier: Courier, data: dict[str, str], field: str
) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{courier.url}/c/ex/{courier.channel_uuid}/receive", data=data)
    assert resp.status_code == 400
    body = resp.json()
    assert body["message"] == "Error"
    assert f"'{field}'" in body["data"][0]["error"]
    conn = await connect(courier.dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM msgs") == 0
        assert await conn.fetchval("SELECT count(*) FROM contacts") == 0
    finally:
        await conn.close()


async def test_unknown_channel_is_404_and_stores_nothing(courier: Courier) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.post(
            f"{courier.url}/c/ex/00000000-0000-4000-8000-000000000000/receive",
            data={"from": "+250788383383", "text": "Join"},
        )
    assert resp.status_code == 404
    assert "channel not found" in resp.text
    conn = await connect(courier.dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM msgs") == 0
    finally:
        await conn.close()


async def test_status_callbacks_update_outgoing_message(courier: Courier) -> None:
    conn = await connect(courier.dsn)
    try:
        contact_id, urn_id = await create_contact(conn, courier.org_id, "tel:+250788383383")
        msg_id, msg_uuid = await create_outgoing(
            conn, courier.org_id, courier.channel_id, contact_id, urn_id, "hi", status="W"
        )
        async with httpx.AsyncClient() as client:
            resp = await client.get(f"{courier.url}/c/ex/{courier.channel_uuid}/sent", params={"id": msg_id})
            assert resp.status_code == 200 and '"status":"S"' in resp.text
            assert await conn.fetchval("SELECT status FROM msgs WHERE id = $1", msg_id) == "S"
            resp = await client.post(
                f"{courier.url}/c/ex/{courier.channel_uuid}/delivered", data={"id": msg_uuid}
            )
            assert resp.status_code == 200
            assert await conn.fetchval("SELECT status FROM msgs WHERE id = $1", msg_id) == "D"
            resp = await client.get(f"{courier.url}/c/ex/{courier.channel_uuid}/failed")
            assert resp.status_code == 400  # no id
        row = await conn.fetchrow("SELECT sent_on, log_uuids FROM msgs WHERE id = $1", msg_id)
        assert row["sent_on"] is not None and len(row["log_uuids"]) == 2
    finally:
        await conn.close()


async def test_status_callback_touches_only_its_own_channels_messages(courier: Courier) -> None:
    """Issue #22 point 8: ids are sequential, so a status on workspace A's channel naming workspace B's message
    (by id, uuid or external id) must change nothing; A's own message still takes the status."""
    conn = await connect(courier.dsn)
    try:
        other_org = await create_org(conn, "Other")
        other_channel, _ = await create_channel(conn, other_org, "EX", "3030", {}, country="RW")
        b_contact, b_urn = await create_contact(conn, other_org, "tel:+250788000111")
        b_id, b_uuid = await create_outgoing(
            conn, other_org, other_channel, b_contact, b_urn, "theirs", status="W", external_id="ext-b"
        )
        a_contact, a_urn = await create_contact(conn, courier.org_id, "tel:+250788000222")
        a_id, _ = await create_outgoing(
            conn, courier.org_id, courier.channel_id, a_contact, a_urn, "ours", status="W"
        )
        base = f"{courier.url}/c/ex/{courier.channel_uuid}"
        async with httpx.AsyncClient() as client:
            for ref in (b_id, b_uuid):
                resp = await client.post(f"{base}/failed", params={"id": ref})
                assert resp.status_code == 200
            resp = await client.post(f"{base}/failed", params={"id": a_id})
            assert resp.status_code == 200
        await wait_for(lambda: conn.fetchval("SELECT status = 'F' FROM msgs WHERE id = $1", a_id))
        assert await conn.fetchval("SELECT status FROM msgs WHERE id = $1", b_id) == "W"
        assert await conn.fetchval("SELECT cardinality(log_uuids) FROM msgs WHERE id = $1", b_id) in (0, None)
    finally:
        await conn.close()


async def _queue_message(
    courier: Courier, text: str, session: dict | None = None, msg_uuid: str | None = None
) -> tuple[int, str, int]:
    conn = await connect(courier.dsn)
    try:
        contact_id, urn_id = await create_contact(conn, courier.org_id, "tel:+250788383383")
        msg_id, msg_uuid = await create_outgoing(
            conn, courier.org_id, courier.channel_id, contact_id, urn_id, text, msg_uuid=msg_uuid
        )
    finally:
        await conn.close()
    redis = aioredis.from_url(courier.redis_url, decode_responses=True)
    msg = {
        "id": msg_id, "uuid": msg_uuid, "org_id": courier.org_id, "channel_uuid": courier.channel_uuid,
        "contact": {"id": contact_id, "uuid": "a984069d-0008-4d8c-a772-b14a8a6acccc"}, "urn": "tel:+250788383383",
        "urn_auth": "", "text": text, "attachments": [], "quick_replies": [], "locale": "eng", "high_priority": True,
        "origin": "flow", "flow": None, "created_on": "2026-01-01T00:00:00Z", "response_to_external_id": "",
        "session": session, "tps_cost": 1,
    }  # fmt: skip
    await OutgoingQueues(redis).push(courier.channel_uuid, 10, [msg], True)
    await redis.aclose()
    return msg_id, msg_uuid, contact_id


async def test_send_through_provider_marks_wired_and_logs(courier: Courier) -> None:
    session = {
        "uuid": "0191e180-7d60-7000-aded-7d8b151cbd5c",
        "status": "W",
        "sprint_uuid": "0191e180-7d60-7000-aded-7d8b151cbd5d",
        "timeout": 300,
    }
    msg_id, msg_uuid, contact_id = await _queue_message(courier, "Hello there", session)
    conn = await connect(courier.dsn)
    try:
        status = await wait_for(
            lambda: conn.fetchval("SELECT status FROM msgs WHERE id = $1 AND status <> 'Q'", msg_id)
        )
        assert status == "W"
        row = await conn.fetchrow("SELECT sent_on, log_uuids FROM msgs WHERE id = $1", msg_id)
        assert row["sent_on"] is not None and len(row["log_uuids"]) == 1
        fire = await conn.fetchrow("SELECT * FROM contact_fires WHERE contact_id = $1", contact_id)
        assert fire["fire_type"] == "T" and str(fire["session_uuid"]) == session["uuid"]
        log = await wait_for(
            lambda: conn.fetchrow("SELECT * FROM channel_logs WHERE msg_uuid = $1", msg_uuid)
        )
        assert log["log_type"] == "msg_send" and not log["is_error"]
        assert log["http_logs"][0]["status_code"] == 200
    finally:
        await conn.close()
    async with httpx.AsyncClient() as client:
        sent = (await client.get(courier.provider + "/sent")).json()
    assert len(sent) == 1
    assert (
        sent[0]["path"] == "/send"
        and sent[0]["form"]["text"] == "Hello there"
        and sent[0]["form"]["to"] == "+250788383383"
    )
    assert sent[0]["form"]["from"] == "2020" and sent[0]["form"]["id"] == str(msg_id)


async def test_a_message_marked_as_being_sent_is_not_sent_again(courier: Courier) -> None:
    """Issue #22 point 3: a courier that died mid-send leaves the message marked; a copy queued again is
    popped but not sent (mailroom's sweep_queued fails it)."""
    redis = aioredis.from_url(courier.redis_url, decode_responses=True)
    marked = str(uuid.uuid4())
    await redis.set(sending_key(marked), "1")
    marked_id, _, _ = await _queue_message(courier, "maybe sent already", msg_uuid=marked)
    queues = OutgoingQueues(redis)

    async def popped() -> bool:
        return not any((await queues.depth()).values())

    await wait_for(popped)
    await asyncio.sleep(1.0)
    conn = await connect(courier.dsn)
    try:
        assert await conn.fetchval("SELECT status FROM msgs WHERE id = $1", marked_id) == "Q"
    finally:
        await conn.close()
    await redis.aclose()
    async with httpx.AsyncClient() as client:
        assert (await client.get(courier.provider + "/sent")).json() == []


async def test_send_error_is_retryable_then_fails(courier: Courier) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(
            courier.provider + "/_script", json={"path": "/send", "status": 503, "body": "down"}
        )
    msg_id, msg_uuid, _ = await _queue_message(courier, "will error")
    conn = await connect(courier.dsn)
    try:
        row = await wait_for(
            lambda: conn.fetchrow("SELECT * FROM msgs WHERE id = $1 AND status <> 'Q'", msg_id)
        )
        assert row["status"] == "E" and row["error_count"] == 1 and row["next_attempt"] is not None
        log = await wait_for(
            lambda: conn.fetchrow("SELECT * FROM channel_logs WHERE msg_uuid = $1", msg_uuid)
        )
        assert log["is_error"] and log["errors"][0]["code"] == "connection_failed"
    finally:
        await conn.close()


async def test_health_and_metrics(courier: Courier) -> None:
    async with httpx.AsyncClient() as client:
        health = await client.get(courier.url + "/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        await client.post(
            f"{courier.url}/c/ex/{courier.channel_uuid}/receive", data={"from": "+250788383399", "text": "x"}
        )
        metrics = await client.get(courier.url + "/metrics")
    assert metrics.status_code == 200
    assert (
        f'upesi_msgs_in_total{{channel_type="EX",channel_uuid="{courier.channel_uuid}"}} 1.0' in metrics.text
    )
