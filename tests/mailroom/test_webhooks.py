"""Mailroom's webhook client against a real local HTTP server: retries as the reference makes them (and not
otherwise), each attempt logged, time-out, response size limit, private addresses refused."""

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from mailroom.webhooks import (
    EngineHTTPClient,
    ResponseTooLarge,
    RetryPolicy,
    parse_retry_after,
    should_retry,
)
from tests.mailroom.webhook_target import Reply, Target, webhook_target
from tests.support import processes
from upesi.config import reset_settings
from upesi.netguard import DisallowedAddress


@pytest.fixture
def target(monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    # the reference's two retries, with backoffs short enough for a test
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("WEBHOOKS_INITIAL_BACKOFF_MS", "20")
    monkeypatch.setenv("WEBHOOKS_BACKOFF_JITTER", "0")
    reset_settings()
    with webhook_target() as t:
        yield t
    reset_settings()


def attempts_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "webhook attempt"]


def test_503_then_200_is_retried_and_the_caller_sees_200(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailroom.webhooks")
    url = target.script("/flaky", Reply(503, b"busy"), Reply(200, b'{"ok": 1}'))
    resp = EngineHTTPClient().request("GET", url, {}, None)
    assert resp.status == 200 and resp.body == b'{"ok": 1}'
    assert resp.retries == 1 and [a.status for a in resp.attempts] == [503, 200]
    assert resp.attempts[1].waited_ms >= 20
    assert target.hits("/flaky") == 2
    assert [(r.attempt, r.status_code) for r in attempts_logged(caplog)] == [(1, 503), (2, 200)]  # type: ignore[attr-defined]


def test_a_permanently_failing_target_is_given_up_after_three_attempts_each_logged(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailroom.webhooks")
    url = target.script("/down", Reply(502, b"bad gateway"), Reply(504, b"timeout"), Reply(503, b"busy"))
    resp = EngineHTTPClient().request("GET", url, {}, None)
    assert resp.status == 503 and resp.retries == 2
    assert target.hits("/down") == 3
    logged = attempts_logged(caplog)
    assert [(r.attempt, r.status_code) for r in logged] == [(1, 502), (2, 504), (3, 503)]  # type: ignore[attr-defined]
    assert all(r.elapsed_ms >= 0 and r.url == url for r in logged)  # type: ignore[attr-defined]


def test_no_retries_when_configured_off(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKS_MAX_RETRIES", "0")
    url = target.script("/down", Reply(503))
    assert EngineHTTPClient().request("GET", url, {}, None).status == 503
    assert target.hits("/down") == 1


def test_500_and_4xx_are_not_retried(target: Target) -> None:
    for status in (500, 501, 400, 404, 429):
        path = f"/s{status}"
        url = target.script(path, Reply(status), Reply(200))
        assert EngineHTTPClient().request("GET", url, {}, None).status == status
        assert target.hits(path) == 1


def test_a_post_is_retried_only_when_it_declares_idempotency(target: Target) -> None:
    url = target.script("/post", Reply(503), Reply(200))
    assert EngineHTTPClient().request("POST", url, {}, '{"a": 1}').status == 503
    assert target.hits("/post") == 1

    url = target.script("/idem", Reply(503), Reply(200))
    resp = EngineHTTPClient().request("POST", url, {"Idempotency-Key": "k1"}, '{"a": 1}')
    assert resp.status == 200
    # the body is sent again on the retry
    assert [r.body for r in target.received if r.path == "/idem"] == [b'{"a": 1}', b'{"a": 1}']


def test_retry_after_is_honoured_when_within_the_backoff(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOKS_INITIAL_BACKOFF_MS", "1000")
    monkeypatch.setenv("WEBHOOKS_MAX_RETRIES", "1")
    # even a POST, even a 429: the target asked for the retry
    url = target.script("/rate", Reply(429, headers={"Retry-After": "1"}), Reply(201, b"made"))
    started = time.monotonic()
    resp = EngineHTTPClient().request("POST", url, {}, "x")
    assert resp.status == 201 and resp.retries == 1
    assert time.monotonic() - started >= 1.0
    # asking for longer than we would wait: given up at once
    url = target.script("/later", Reply(429, headers={"Retry-After": "100"}), Reply(200))
    started = time.monotonic()
    assert EngineHTTPClient().request("GET", url, {}, None).status == 429
    assert target.hits("/later") == 1 and time.monotonic() - started < 1.0


def test_connection_errors_are_retried_then_raised(target: Target, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mailroom.webhooks")
    url = f"http://127.0.0.1:{processes.free_port()}/nothing-listens"
    with pytest.raises(httpx.ConnectError) as raised:
        EngineHTTPClient().request("GET", url, {}, None)
    assert raised.value.retries == 2  # type: ignore[attr-defined]
    logged = attempts_logged(caplog)
    assert len(logged) == 3 and all(r.status_code is None and r.error for r in logged)  # type: ignore[attr-defined]


def test_time_out(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKS_TIMEOUT_MS", "300")
    url = target.script("/slow", Reply(200, delay=2.0))
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        EngineHTTPClient().request("POST", url, {}, "x")  # a POST: not retried
    assert time.monotonic() - started < 1.5


def test_time_out_bounds_a_body_sent_slowly(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    # each byte comes well within the per-read time-out, but the whole body would take 2 s
    monkeypatch.setenv("WEBHOOKS_TIMEOUT_MS", "500")
    url = target.script("/drip", Reply(200, body=b"x" * 20, drip=0.1))
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        EngineHTTPClient().request("POST", url, {}, "x")
    assert time.monotonic() - started < 1.5


def test_response_over_the_size_limit_is_refused_and_not_retried(target: Target) -> None:
    limit = 256 * 1024
    url = target.script("/exact", Reply(200, body=b"a" * limit))
    assert len(EngineHTTPClient().request("GET", url, {}, None).body) == limit
    url = target.script("/big", Reply(200, body=b"a" * (limit + 1)))
    with pytest.raises(ResponseTooLarge):
        EngineHTTPClient().request("GET", url, {}, None)
    assert target.hits("/big") == 1


def test_private_address_refused_unless_allowed(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    url = target.script("/internal", Reply(200))
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "false")
    reset_settings()
    for host in (
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "[::1]",
    ):
        with pytest.raises(ConnectionError, match="private or loopback"):
            EngineHTTPClient().request("GET", f"http://{host}/internal", {}, None)
    with pytest.raises(ConnectionError):
        EngineHTTPClient().request("GET", url, {}, None)
    assert target.hits("/internal") == 0
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "true")
    reset_settings()
    assert EngineHTTPClient().request("GET", url, {}, None).status == 200


def test_retry_rules() -> None:
    assert should_retry("GET", {}, None, None, 5.0)
    assert should_retry("GET", {}, 502, None, 5.0)
    assert not should_retry("GET", {}, 500, None, 5.0)
    assert not should_retry("POST", {}, 503, None, 5.0)
    assert should_retry("POST", {"X-Idempotency-Key": "1"}, 503, None, 5.0)
    assert should_retry("POST", {}, 429, "5", 5.0)
    assert not should_retry("POST", {}, 429, "6", 5.0)
    assert not should_retry("POST", {}, 429, "0", 5.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") == 0.0
    policy = RetryPolicy.exponential(5000, 2, 0.5)
    assert policy.backoffs_ms == (5000, 10000)
    assert all(3.75 <= policy.backoff_seconds(0) <= 6.25 for _ in range(50))
    assert RetryPolicy.exponential(5000, 0, 0.5).max_retries == 0


def test_private_address_refused_when_connecting_too(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check made as the connection opens holds even past the check of the URL (a name that resolved to a
    public address a moment before): requests on the client itself go nowhere private."""
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "false")
    reset_settings()
    client = EngineHTTPClient()
    port = target.url.rsplit(":", 1)[1]
    target.script("/internal", Reply(200))
    for host in ("localhost", "127.0.0.1"):
        with pytest.raises(DisallowedAddress):
            client.client.get(f"http://{host}:{port}/internal")
    assert target.hits("/internal") == 0
