"""Issue #22 point 11 for courier, against a real courier process: a table of hostile inputs over every route of
every channel type (read from the handler registry), bounded in time, with 0 server errors; NUL characters
dropped from what is stored; bodies over 1 MiB refused; JSON nested 100,000 deep refused."""

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from courier.handlers import registry
from tests.courier.helpers import connect, create_channel, create_org
from tests.support.processes import free_port, service

DEEP = "[" * 100_000 + "]" * 100_000
NUL = "bad\x00value"
FORM = {k: NUL for k in ("from", "sender", "text", "message", "id", "msg", "to", "status", "Body", "From", "To",
                         "MessageSid", "SmsStatus", "MessageStatus", "phoneNumber", "linkId", "msisdn",
                         "messageId", "date", "sessionId", "serviceCode", "time")}  # fmt: skip
# (content type, body): what an attacker or a broken provider might send
BODIES = [
    ("application/x-www-form-urlencoded", FORM),
    ("application/json", DEEP),
    (
        "application/json",
        '{"message": {"message_id": 1, "text": "bad\\u0000value", "from": {"id": "x\\u0000"}}}',
    ),
    (
        "application/json",
        '{"object": "page", "entry": [{"id": "\\u0000", "messaging": [{"sender": {"id": 1}}]}]}',
    ),
    ("text/xml", "<a>" * 10_000),
    ("application/x-www-form-urlencoded", {"id": "99999999999999999999", "status": "D"}),
    ("application/x-www-form-urlencoded", {"id": "not-a-uuid-\x00", "status": "D"}),
]


@dataclass
class Courier:
    url: str
    dsn: str
    channels: dict[str, str]  # type -> uuid


@pytest.fixture
async def courier(env: dict[str, str], tmp_path: Path) -> AsyncIterator[Courier]:
    conn = await connect(env["DATABASE_URL"])
    try:
        org_id = await create_org(conn)
        channels = {}
        for code in registry():
            _, channels[code] = await create_channel(
                conn, org_id, code, "12345", {"auth_token": "t", "secret": "s"}, schemes=["tel"]
            )
    finally:
        await conn.close()
    port = free_port()
    with service("courier", port, {"COURIER_SENDERS": "0", "FACEBOOK_APPLICATION_SECRET": "fb-secret"},
                 log=tmp_path / "courier.log"):  # fmt: skip
        yield Courier(f"http://127.0.0.1:{port}", env["DATABASE_URL"], channels)


async def test_every_route_answers_hostile_input_without_a_server_error(courier: Courier) -> None:
    failures = []
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        for code, handler in registry().items():
            for route in handler.routes():
                path = f"/c/{code.lower()}/{courier.channels[code]}/{route.action}" if route.needs_channel else (
                    f"/c/{code.lower()}/{route.action}")  # fmt: skip
                for content_type, body in BODIES:
                    for method in route.methods:
                        kwargs = {"data": body} if isinstance(body, dict) else {"content": body}
                        resp = await client.request(
                            method, courier.url + path, params={"id": NUL}, headers={"content-type": content_type},
                            **kwargs,
                        )  # fmt: skip
                        if resp.status_code >= 500:
                            failures.append((method, path, content_type, str(body)[:40], resp.status_code))
    assert time.monotonic() - started < 300
    assert failures == []


async def test_big_bodies_are_refused_and_nul_is_dropped(courier: Courier) -> None:
    url = f"{courier.url}/c/ex/{courier.channels['EX']}/receive"
    async with httpx.AsyncClient(timeout=60) as client:
        big = await client.post(url, data={"from": "+250788000001", "text": "x" * (2 * 1024 * 1024)})
        assert big.status_code == 413
        ok = await client.post(url, data={"from": "+250788000002", "text": "hello\x00 world"})
        assert ok.status_code == 200, ok.text
    conn = await connect(courier.dsn)
    try:
        assert [r["text"] for r in await conn.fetch("SELECT text FROM msgs ORDER BY id")] == ["hello world"]
    finally:
        await conn.close()
