"""Issue #22 point 4: a write whose transaction committed succeeds even when Redis does not take its task
(upesi.queues.committed). Redis (the test's own) is down only for the push: throttling, the one Redis use
before the write, is off here. The write is answered 201 once, its row exists once, and mailroom's recovery
cron pushes its task exactly once when Redis is back. A task no cron recovers still fails the request (503),
so the client's retry recovers it."""

import json
from pathlib import Path

import pytest
import redis as sync_redis
from sqlalchemy import text

from mailroom.crons.retry_msgs import queue_pending
from tests.support.own_servers import OwnRedis, own_redis
from tests.support.processes import free_port
from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.metrics import REGISTRY
from upesi.queues.redis import close_redis

NO_THROTTLE = json.dumps({scope: "off" for scope in ("v2", "v2.contacts", "v2.messages", "v2.runs")})


def _tasks(server: OwnRedis, org_id: int, task_type: str) -> list[dict]:
    client = sync_redis.Redis(port=server.port)
    payloads = [p for prio in (0, 1) for p in client.lrange(f"{{tasks:batch}}:o:{org_id}/{prio}", 0, -1)]
    tasks = [json.loads(p.decode().split("|", 1)[1]) for p in payloads]
    return [t["task"] for t in tasks if t["type"] == task_type]


async def _rows(sql: str) -> list[tuple]:
    async with transaction() as s:
        return [tuple(r) for r in (await s.execute(text(sql))).all()]


@pytest.fixture
async def redis_of_our_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with own_redis(free_port(), tmp_path / "redis.log") as server:
        await close_redis()
        monkeypatch.setenv("REDIS_URL", server.url)
        monkeypatch.setenv("API_THROTTLE_RATES", NO_THROTTLE)
        reset_settings()
        yield server
        await close_redis()


def _deferred(task_type: str) -> float:
    return REGISTRY.get_sample_value("upesi_post_commit_push_deferred_total", {"task_type": task_type}) or 0.0


async def _broadcast(api: API) -> tuple[str, dict]:
    return "broadcasts.json", {"urns": ["tel:+250788123123"], "text": "Your visit is due"}


async def _flow_start(api: API) -> tuple[str, dict]:
    flow = await f.flow(api.ws.org_id)
    return "flow_starts.json", {"flow": flow.uuid, "urns": ["tel:+250788123123"]}


# the write, its table, and the task queue_pending pushes again for it
SWEPT_WRITES = [(_broadcast, "broadcasts", "send_broadcast", "broadcast_id"),
                (_flow_start, "flow_starts", "start_flow", "start_id")]  # fmt: skip


@pytest.mark.parametrize(("write", "table", "task_type", "id_key"), SWEPT_WRITES)
async def test_write_committed_while_redis_is_down_is_201_once_and_pushed_once(
    api: API,
    redis_of_our_own: OwnRedis,
    write,
    table: str,
    task_type: str,
    id_key: str,  # type: ignore[no-untyped-def]
) -> None:
    server = redis_of_our_own
    path, body = await write(api)
    before = _deferred(task_type)
    server.stop()  # SIGKILL: every pooled connection is dead and new ones are refused
    answer = await api.post(path, body)
    assert answer.status_code == 201, answer.text
    rows = await _rows(f"SELECT id, status FROM {table}")
    assert len(rows) == 1 and rows[0][1] == "P", rows
    assert _deferred(task_type) == before + 1

    server.start()  # empty: nothing was pushed while it was down
    assert _tasks(server, api.ws.org_id, task_type) == []
    # the minute queue_pending leaves a start made outside a flow (API, UI) to its own push
    async with transaction() as s:
        await s.execute(text(f"UPDATE {table} SET modified_on = modified_on - interval '2 minutes'"))
    await queue_pending()
    await queue_pending()  # a second sweep leaves it alone (modified_on was bumped)
    assert _tasks(server, api.ws.org_id, task_type) == [{id_key: rows[0][0]}]


async def test_message_committed_while_redis_is_down_is_201_once(
    api: API, redis_of_our_own: OwnRedis
) -> None:
    await f.channel(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123124"])
    redis_of_our_own.stop()
    answer = await api.post("messages.json", {"contact": bob.uuid, "text": "Hi"})
    assert answer.status_code == 201, answer.text
    # queued (Q) for mailroom's sweep_queued, which queues to courier what it finds still Q
    assert await _rows("SELECT id, status FROM msgs WHERE direction = 'O'") == [(answer.json()["id"], "Q")]


async def test_a_write_without_a_sweep_still_answers_503(api: API, redis_of_our_own: OwnRedis) -> None:
    """Blocking a contact interrupts its sessions through a task no cron pushes again: the request fails
    naming Redis, and the client's retry (blocking is idempotent) pushes it."""
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123125"])
    redis_of_our_own.stop()
    answer = await api.post("contact_actions.json", {"contacts": [bob.uuid], "action": "block"})
    assert answer.status_code == 503 and "redis" in answer.text, answer.text
