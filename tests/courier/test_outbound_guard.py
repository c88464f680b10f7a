"""Outbound requests to loopback or private addresses are refused unless ALLOW_PRIVATE_NETWORKS is set (an
EX channel's send_url is user-supplied, so this is courier's SSRF guard). Its own module: it needs a courier
with the guard on, and must not share a Redis database with another courier draining the same queues."""

from pathlib import Path

import httpx
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
from upesi.queues.outgoing import OutgoingQueues


async def test_sends_to_private_addresses_are_refused_unless_allowed(
    env: dict[str, str], tmp_path: Path
) -> None:
    conn = await connect(env["DATABASE_URL"])
    try:
        org_id = await create_org(conn)
        with fake_provider(free_port()) as provider:
            channel_id, channel_uuid = await create_channel(
                conn, org_id, "EX", "2020", {"send_url": provider + "/send"}
            )
            contact_id, urn_id = await create_contact(conn, org_id, "tel:+250788666666")
            msg_id, msg_uuid = await create_outgoing(
                conn, org_id, channel_id, contact_id, urn_id, "to loopback"
            )
            port = free_port()
            with service("courier", port, {"ALLOW_PRIVATE_NETWORKS": "false"}, log=tmp_path / "courier.log"):
                redis = aioredis.from_url(env["REDIS_URL"], decode_responses=True)
                msg = {"id": msg_id, "uuid": msg_uuid, "org_id": org_id, "channel_uuid": channel_uuid,
                       "contact": {"id": contact_id}, "urn": "tel:+250788666666", "text": "to loopback"}  # fmt: skip
                await OutgoingQueues(redis).push(channel_uuid, 10, [msg], True)
                await redis.aclose()
                row = await wait_for(
                    lambda: conn.fetchrow("SELECT * FROM msgs WHERE id = $1 AND status <> 'Q'", msg_id)
                )
                assert row["status"] == "E"
                log = await wait_for(
                    lambda: conn.fetchrow("SELECT * FROM channel_logs WHERE msg_uuid = $1", msg_uuid)
                )
                assert log["errors"][0]["code"] == "connection_failed"
                assert "private or loopback" in log["errors"][0]["message"]
            async with httpx.AsyncClient() as client:
                assert (await client.get(provider + "/sent")).json() == []
    finally:
        await conn.close()
