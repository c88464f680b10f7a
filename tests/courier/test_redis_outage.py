"""Issue #22 point 1 against a real courier and a Redis of the test's own: messages arriving while Redis is
down are stored and answered 200, and mailroom is told about each of them once Redis is back (courier keeps
the events and pushes them as soon as it answers)."""

import json
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tests.courier.helpers import connect, create_channel, create_org, wait_for
from tests.support.own_servers import own_redis
from tests.support.processes import free_port, service


async def test_messages_received_while_redis_is_down_reach_mailroom_when_it_returns(
    env: dict[str, str], tmp_path: Path
) -> None:
    conn = await connect(env["DATABASE_URL"])
    try:
        org_id = await create_org(conn)
        _, channel_uuid = await create_channel(conn, org_id, "EX", "2020", {}, country="RW")
        with own_redis(free_port(), tmp_path / "redis.log") as redis_server:
            port = free_port()
            courier_env = {"REDIS_URL": redis_server.url, "COURIER_SENDERS": "0"}
            with service("courier", port, courier_env, log=tmp_path / "courier.log"):
                url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}/receive"
                texts = [f"during the outage {i}" for i in range(5)]
                async with httpx.AsyncClient(timeout=30) as client:
                    assert (
                        await client.post(url, data={"from": "+250788000100", "text": "before"})
                    ).status_code == 200
                    redis_server.stop()
                    for i, text in enumerate(texts):
                        resp = await client.post(url, data={"from": f"+25078800010{i + 1}", "text": text})
                        assert resp.status_code == 200, resp.text
                assert await conn.fetchval("SELECT count(*) FROM msgs WHERE direction = 'I'") == 6
                redis_server.start()  # empty: what was queued before the crash is gone, as after a real one
                redis = aioredis.from_url(redis_server.url, decode_responses=True)
                try:

                    async def queued() -> list[str]:
                        found = []
                        for key in await redis.keys(f"c:{org_id}:*"):
                            found += [json.loads(i)["task"]["text"] for i in await redis.lrange(key, 0, -1)]
                        return sorted(found) if len(found) >= len(texts) else []

                    assert await wait_for(queued, within=20) == sorted(texts)
                finally:
                    await redis.aclose()
    finally:
        await conn.close()
