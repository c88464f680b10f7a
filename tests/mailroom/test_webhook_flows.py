"""call_webhook in a flow run by mailroom, with a real local server as the target: the flow sees the result of
the last attempt, and the call is logged (request, response, time) whatever happened."""

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.mailroom.test_webhook_logs import logs, start_hook_flow
from tests.mailroom.webhook_target import Reply, Target, webhook_target
from upesi.db.engine import transaction


@pytest.fixture
def target(monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    monkeypatch.setenv("WEBHOOKS_INITIAL_BACKOFF_MS", "20")
    monkeypatch.setenv("WEBHOOKS_BACKOFF_JITTER", "0")
    with webhook_target() as t:
        yield t


async def result() -> dict:
    async with transaction() as s:
        results = (await s.execute(text("SELECT results FROM flow_runs"))).scalar_one()
    return results["result"]


async def test_flow_sees_200_after_a_503_is_retried(db: None, target: Target) -> None:
    url = target.script("/lookup", Reply(503, b"busy"), Reply(200, b'{"name": "Ann"}'))
    await start_hook_flow(url)
    assert target.hits("/lookup") == 2
    r = await result()
    assert r["category"] == "Success" and r["value"] == "200"
    [log] = await logs()
    assert log.status_code == 200 and not log.is_error and '{"name": "Ann"}' in log.response
    assert log.num_retries == 1


async def test_flow_sees_failure_when_the_target_keeps_failing(db: None, target: Target) -> None:
    url = target.script("/down", Reply(503, b"still busy"))
    await start_hook_flow(url)
    assert target.hits("/down") == 3
    r = await result()
    assert r["category"] == "Failure" and r["value"] == "503"
    [log] = await logs()
    assert log.status_code == 503 and log.is_error and "still busy" in log.response
    assert log.num_retries == 2


async def test_oversized_response_is_a_failure_logged_without_body(db: None, target: Target) -> None:
    url = target.script("/big", Reply(200, body=b"a" * (256 * 1024 + 1)))
    await start_hook_flow(url)
    assert target.hits("/big") == 1
    assert (await result())["category"] == "Failure"
    [log] = await logs()
    assert log.is_error and log.status_code is None and log.request.startswith("GET /big")


async def test_time_out_is_a_logged_failure(
    db: None, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOKS_TIMEOUT_MS", "300")
    monkeypatch.setenv("WEBHOOKS_MAX_RETRIES", "0")
    url = target.script("/slow", Reply(200, delay=2.0))
    await start_hook_flow(url)
    assert (await result())["category"] == "Failure"
    [log] = await logs()
    assert log.is_error and log.status_code is None and 250 <= log.request_time_ms < 1500
