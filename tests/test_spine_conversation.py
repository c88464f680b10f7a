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


@pytest.fixture
def outside() -> Iterator[dict[str, Any]]:
    """The outside world a flow reaches: a local SMTP server (SMTP_URL, set before the services start) and a
    local resthook subscriber."""
    from tests.mailroom.webhook_target import Reply, webhook_target
    from tests.support.smtp import smtp_server

    with smtp_server("flows@upesi.test") as inbox, webhook_target() as target:
        yield {"inbox": inbox, "target": target, "hook_url": target.script("/hook", Reply(200))}


HELP_FLOW = {
    "uuid": "7d1e2f3a-0000-4000-8000-000000000001", "name": "Help", "spec_version": "14.4.2", "language": "eng",
    "type": "messaging", "revision": 1, "expire_after_minutes": 60, "localization": {},
    "nodes": [{
        "uuid": "7d1e2f3a-0000-4000-8000-000000000002",
        "actions": [
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000003", "type": "add_contact_urn", "scheme": "mailto",
             "path": "ana@example.com"},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000004", "type": "set_contact_field",
             "field": {"key": "nickname", "name": "Nickname"}, "value": "@input.text"},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000005", "type": "add_input_labels",
             "labels": [{"name_match": "Important"}]},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000006", "type": "open_ticket", "note": "@input.text"},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000007", "type": "send_email",
             "addresses": ["staff@example.com"], "subject": "Help wanted", "body": "@urns.mailto"},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000008", "type": "call_resthook", "resthook": "helped"},
            {"uuid": "7d1e2f3a-0000-4000-8000-000000000009", "type": "send_msg",
             "text": "@(join(contact.urns, \",\"))"},
        ],
        "exits": [{"uuid": "7d1e2f3a-0000-4000-8000-00000000000a", "destination_uuid": None}],
    }],
}  # fmt: skip


def test_every_effect_of_a_conversation_is_readable_through_the_api(
    outside: dict[str, Any], stack: dict[str, str]
) -> None:
    """Keyword through courier, a flow with add URN, field, label, ticket, email and resthook: each effect
    is stored and readable through API v2 (tickets, whose API is elsewhere, in their table); the flow, the
    field, the label and the subscriber are all made after mailroom started, so its assets must be fresh."""
    dsn = stack["dsn"]
    token = query(dsn, "SELECT key FROM api_tokens WHERE is_active ORDER BY id LIMIT 1")[0]["key"]
    api = httpx.Client(base_url=f"{stack['web']}/api/v2/", headers={"Authorization": f"Token {token}"})
    assert api.post("fields.json", json={"name": "Nickname", "type": "text"}).status_code == 201
    assert api.post("labels.json", json={"name": "Important"}).status_code == 201
    org_id = query(dsn, "SELECT org_id FROM channels WHERE uuid = $1", DEMO_CHANNEL_UUID)[0]["org_id"]
    query(dsn, "INSERT INTO resthooks (org_id, slug) VALUES ($1, 'helped') RETURNING id", org_id)
    r = api.post("resthook_subscribers.json", json={"resthook": "helped", "target_url": outside["hook_url"]})
    assert r.status_code == 201, r.text

    async def add_flow() -> None:
        from upesi.db.engine import dispose_engine, transaction
        from upesi.db.ops.flows import add_keyword_trigger, save_flow

        async with transaction() as s:
            flow = await save_flow(s, org_id, HELP_FLOW)
            await add_keyword_trigger(s, org_id, flow.id, ["help"])
        await dispose_engine()

    asyncio.run(add_flow())

    r = httpx.post(
        f"{stack['courier']}/c/ex/{DEMO_CHANNEL_UUID}/receive", data={"from": SENDER, "text": "help"}
    )
    assert r.status_code == 200, r.text
    [reply] = wait_for_sent(stack["fake"], 1)
    assert sent_text(reply) == f"tel:{SENDER},mailto:ana@example.com"

    [contact] = api.get("contacts.json").json()["results"]
    assert contact["urns"] == [f"tel:{SENDER}", "mailto:ana@example.com"]
    assert contact["fields"]["nickname"] == "help"
    [incoming] = api.get("messages.json", params={"folder": "incoming"}).json()["results"]
    assert [lb["name"] for lb in incoming["labels"]] == ["Important"]
    [hook_event] = api.get("resthook_events.json").json()["results"]
    assert hook_event["resthook"] == "helped" and hook_event["data"]["contact"]["uuid"] == contact["uuid"]
    assert outside["target"].hits("/hook") == 1
    [ticket] = query(
        dsn,
        "SELECT t.status, tp.name AS topic, e.note FROM tickets t JOIN topics tp ON tp.id = t.topic_id"
        " JOIN ticket_events e ON e.ticket_id = t.id AND e.event_type = 'O'",
    )
    assert (ticket["status"], ticket["topic"], ticket["note"]) == ("O", "General", "help")
    [(_, to, data)] = outside["inbox"].messages
    assert to == ["staff@example.com"] and "Subject: Help wanted" in data and "mailto:ana@example.com" in data
