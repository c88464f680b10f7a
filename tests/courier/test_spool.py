"""When Postgres goes away, courier keeps answering providers: messages, events and statuses go to the
spool and are written, each exactly once, when Postgres is back. Courier reaches Postgres through a TCP
proxy the test cuts and restores, so the shared Postgres server is never stopped."""

import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
from tests.courier.tcp_proxy import TCPProxy
from tests.support.processes import free_port, service


def _via(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    netloc = (parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else "") + f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


async def test_messages_arriving_while_postgres_is_down_are_stored_once_when_it_returns(
    env: dict[str, str], tmp_path: Path
) -> None:
    dsn = env["DATABASE_URL"]
    pg = urlsplit(dsn)
    conn = await connect(dsn)
    try:
        org_id = await create_org(conn)
        channel_id, channel_uuid = await create_channel(conn, org_id, "EX", "2020", {}, country="RW")
        contact_id, urn_id = await create_contact(conn, org_id, "tel:+250788000001")
        msg_id, _ = await create_outgoing(conn, org_id, channel_id, contact_id, urn_id, "out", status="W")
    finally:
        await conn.close()

    proxy = TCPProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
    proxy.up()
    port = free_port()
    spool = Path(env["SPOOL_DIR"])
    courier_env = {
        "DATABASE_URL": _via(dsn, proxy.port),
        "COURIER_SPOOL_FLUSH_SECONDS": "1",
        "COURIER_CHANNEL_CACHE_TTL": "0",
    }
    texts = [f"offline message {i}" for i in range(20)]
    try:
        with service("courier", port, courier_env, log=tmp_path / "courier.log"):
            url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}"
            async with httpx.AsyncClient(timeout=30) as client:
                first = await client.post(
                    url + "/receive", data={"from": "+250788383383", "text": "before the outage"}
                )
                assert first.status_code == 200

                proxy.down()
                for i, text in enumerate(texts):
                    resp = await client.post(
                        url + "/receive", data={"from": f"+25078838{3400 + i}", "text": text}
                    )
                    assert resp.status_code == 200, resp.text
                    assert resp.json()["message"] == "Message Accepted"
                stop = await client.post(url + "/stopped", data={"from": "+250788383999"})
                assert stop.status_code == 200
                status = await client.get(url + "/delivered", params={"id": msg_id})
                assert status.status_code == 200

                spooled = [
                    p for kind in ("msgs", "events", "statuses") for p in (spool / kind).glob("*.jsonl")
                ]
                assert len(spooled) >= 3, "nothing was spooled while Postgres was down"
                health = await client.get(f"http://127.0.0.1:{port}/health")
                assert health.status_code == 503 and "postgres" in health.json()["down"]

                proxy.up()
                conn = await connect(dsn)
                try:
                    state: dict[str, object] = {}

                    async def all_written() -> bool:
                        state["stored"] = await conn.fetchval(
                            "SELECT count(*) FROM msgs WHERE direction = 'I'"
                        )
                        state["left"] = [
                            p.name
                            for k in ("msgs", "events", "statuses")
                            for p in (spool / k).glob("*.jsonl")
                        ]
                        return state["stored"] == len(texts) + 1 and not state["left"]

                    try:
                        await wait_for(all_written, within=30)
                    except AssertionError as e:
                        raise AssertionError(f"spool not written back: {state}") from e
                    rows = await conn.fetch(
                        "SELECT text, count(*) AS n FROM msgs WHERE direction = 'I' GROUP BY text"
                    )
                    counts = {r["text"]: r["n"] for r in rows}
                    assert counts == {t: 1 for t in [*texts, "before the outage"]}
                    assert (
                        await conn.fetchval(
                            "SELECT count(*) FROM channel_events WHERE event_type = 'stop_contact'"
                        )
                        == 1
                    )
                    assert await conn.fetchval("SELECT status FROM msgs WHERE id = $1", msg_id) == "D"

                    # mailroom was told about each message once, after it was stored
                    redis = aioredis.from_url(env["REDIS_URL"], decode_responses=True)
                    queued = []
                    for key in await redis.keys(f"c:{org_id}:*"):
                        queued += [json.loads(item) for item in await redis.lrange(key, 0, -1)]
                    await redis.aclose()
                    msg_events = [e["task"]["text"] for e in queued if e["type"] == "msg_received"]
                    assert sorted(msg_events) == sorted([*texts, "before the outage"])
                    assert [e["task"]["event_type"] for e in queued if e["type"] == "event_received"] == [
                        "stop_contact"
                    ]
                finally:
                    await conn.close()
    finally:
        proxy.down()


async def test_a_courier_started_while_postgres_is_down_answers_503_for_channels_it_has_not_seen(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Issue #22 point 2: it answered a bare 500 (which some providers do not retry); a 503 makes them retry,
    and the message is stored once Postgres is back."""
    dsn = env["DATABASE_URL"]
    pg = urlsplit(dsn)
    conn = await connect(dsn)
    try:
        org_id = await create_org(conn)
        _, channel_uuid = await create_channel(conn, org_id, "EX", "2020", {}, country="RW")
    finally:
        await conn.close()
    proxy = TCPProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
    port = free_port()
    courier_env = {"DATABASE_URL": _via(dsn, proxy.port), "COURIER_CHANNEL_CACHE_TTL": "0"}
    try:
        with service("courier", port, courier_env, log=tmp_path / "courier.log"):
            url = f"http://127.0.0.1:{port}/c/ex/{channel_uuid}/receive"
            async with httpx.AsyncClient(timeout=30) as client:
                down = await client.post(url, data={"from": "+250788383383", "text": "during"})
                assert down.status_code == 503 and "postgres is unavailable" in down.text
                proxy.up()
                retried = await client.post(url, data={"from": "+250788383383", "text": "during"})
                assert retried.status_code == 200
        conn = await connect(dsn)
        try:
            assert await conn.fetchval("SELECT count(*) FROM msgs WHERE text = 'during'") == 1
        finally:
            await conn.close()
    finally:
        proxy.down()
