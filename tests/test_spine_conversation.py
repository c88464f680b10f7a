"""The Spine: one conversation across the three real services, over HTTP and Redis, with a fake provider.

A provider POSTs "join" to courier; mailroom starts the demo flow; courier delivers "What is your name?"
to the fake provider; "Ana" resumes the wait and gets "Thanks Ana!"; a status callback marks the reply
delivered. Also the bad-input cases, and a malformed task that must not upset mailroom's workers."""

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis

from tests.support import processes
from upesi_cli.demo import DEMO_CHANNEL_UUID

SENDER = "+15551234567"


def sent_text(entry: dict[str, Any]) -> str | None:
    for source in ("form", "json", "query"):
        values = entry.get(source)
        if isinstance(values, dict) and "text" in values:
            return values["text"]
    return None


def wait_for_sent(fake_url: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [e for e in httpx.get(f"{fake_url}/sent").json() if e["path"] == "/send"]
        if len(sent) >= count:
            return sent
        time.sleep(0.1)
    raise AssertionError(f"fake provider got {len(sent)} sends, expected {count}: {sent}")


def query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


@pytest.fixture
def stack(env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {name: processes.free_port() for name in ("web", "mailroom", "courier", "fake")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    service_env = {
        "COURIER_URL": urls["courier"], "MAILROOM_URL": urls["mailroom"], "WEB_URL": urls["web"],
        "FAKE_PROVIDER_URL": urls["fake"],
    }  # fmt: skip
    os.environ.update(service_env)
    import subprocess

    subprocess.run([processes.UPESI, "demo", "seed"], check=True, capture_output=True, env=os.environ)
    # a malformed task waiting in the realtime queue before mailroom starts
    r = redis.Redis.from_url(env["REDIS_URL"])
    r.rpush("{tasks:realtime}:o:1/1", "this is not a task")
    r.zadd("{tasks:realtime}:queued", {"1": 1})
    logs = tmp_path
    with (
        processes.fake_provider(ports["fake"], log=logs / "fake.log"),
        processes.service("courier", ports["courier"], service_env, log=logs / "courier.log"),
        processes.service("mailroom", ports["mailroom"], service_env, log=logs / "mailroom.log") as mailroom,
        processes.service("web", ports["web"], service_env, log=logs / "web.log"),
    ):
        yield {**urls, "dsn": env["DATABASE_URL"], "logs": str(logs), "mailroom_pid": str(mailroom.pid)}
    for key in service_env:
        os.environ.pop(key, None)


def test_demo_conversation_across_three_services(stack: dict[str, str]) -> None:
    receive = f"{stack['courier']}/c/ex/{DEMO_CHANNEL_UUID}/receive"

    r = httpx.post(receive, data={"from": SENDER, "text": "join"})
    assert r.status_code == 200, r.text
    first = wait_for_sent(stack["fake"], 1)
    assert sent_text(first[0]) == "What is your name?"

    r = httpx.post(receive, data={"from": SENDER, "text": "Ana"})
    assert r.status_code == 200, r.text
    sent = wait_for_sent(stack["fake"], 2)
    assert sent_text(sent[1]) == "Thanks Ana!"
    assert "15551234567" in str(sent[1].get("form") or sent[1].get("json") or sent[1].get("query"))

    dsn = stack["dsn"]
    reply = query(dsn, "SELECT id, uuid::text, status, external_id FROM msgs WHERE text = 'Thanks Ana!'")[0]
    deadline = time.monotonic() + 10
    while reply["status"] not in ("W", "S", "D") and time.monotonic() < deadline:
        time.sleep(0.1)
        reply = query(dsn, "SELECT id, uuid::text, status, external_id FROM msgs WHERE text = 'Thanks Ana!'")[
            0
        ]
    assert reply["status"] == "W"  # wired: the provider accepted it

    r = httpx.post(f"{stack['courier']}/c/ex/{DEMO_CHANNEL_UUID}/delivered", params={"id": reply["id"]})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = query(dsn, "SELECT status FROM msgs WHERE id = $1", reply["id"])[0]["status"]
        if status == "D":
            break
        time.sleep(0.1)
    assert status == "D"

    contact = query(dsn, "SELECT id, name FROM contacts")[0]
    assert contact["name"] == "Ana"
    run = query(dsn, "SELECT status, results FROM flow_runs WHERE contact_id = $1", contact["id"])[0]
    assert run["status"] == "C" and '"Ana"' in run["results"]
    incoming = query(dsn, "SELECT text, status FROM msgs WHERE direction = 'I' ORDER BY id")
    assert [(m["text"], m["status"]) for m in incoming] == [("join", "H"), ("Ana", "H")]
    metrics = httpx.get(f"{stack['courier']}/metrics").text
    assert f'upesi_msgs_in_total{{channel_type="EX",channel_uuid="{DEMO_CHANNEL_UUID}"}} 2.0' in metrics
    assert (
        f'upesi_msgs_out_total{{channel_type="EX",channel_uuid="{DEMO_CHANNEL_UUID}",status="W"}} 2.0'
        in metrics
    )
    task_metrics = httpx.get(f"{stack['mailroom']}/metrics").text
    assert (
        'upesi_task_duration_seconds_count{outcome="ok",queue="tasks:realtime",task_type="handle_contact_event"}'
        in task_metrics
    )
    # the malformed task was logged and skipped, and mailroom's workers carried on
    assert "malformed task skipped" in Path(stack["logs"], "mailroom.log").read_text()


def test_bad_receive_input_stores_nothing(stack: dict[str, str]) -> None:
    base = f"{stack['courier']}/c/ex/{DEMO_CHANNEL_UUID}/receive"

    r = httpx.post(base, data={"text": "join"})
    assert r.status_code == 400 and "from" in r.text
    assert r.headers["content-type"].startswith("application/json")
    r = httpx.post(base, data={"from": SENDER})
    assert r.status_code == 400 and "text" in r.text
    r = httpx.post(
        f"{stack['courier']}/c/ex/9a0b8f5e-0000-4000-8000-000000000000/receive",
        data={"from": SENDER, "text": "join"},
    )
    assert r.status_code == 404

    assert query(stack["dsn"], "SELECT count(*) AS n FROM msgs")[0]["n"] == 0
    assert query(stack["dsn"], "SELECT count(*) AS n FROM contacts")[0]["n"] == 0
    time.sleep(0.5)
    assert [e for e in httpx.get(f"{stack['fake']}/sent").json() if e["path"] == "/send"] == []


def test_every_service_reports_health_and_metrics(stack: dict[str, str]) -> None:
    for name in ("web", "mailroom", "courier"):
        health = httpx.get(f"{stack[name]}/health")
        assert health.status_code == 200
        assert health.json()["checks"] == {"postgres": "ok", "redis": "ok"}
        metrics = httpx.get(f"{stack[name]}/metrics")
        assert metrics.status_code == 200
        assert "upesi_http_request_duration_seconds" in metrics.text
    assert "upesi_queue_depth" in httpx.get(f"{stack['mailroom']}/metrics").text
