"""Issue #22, courier security against a real courier process: signed channels are refused when the secret
that verifies them is missing (point 9), Telegram callbacks must carry the webhook's secret_token."""

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.courier.helpers import connect, create_channel, create_org
from tests.support.processes import free_port, service


@dataclass
class Courier:
    url: str
    dsn: str
    org_id: int
    log: Path


@pytest.fixture
async def courier(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Courier]:
    monkeypatch.delenv("FACEBOOK_APPLICATION_SECRET", raising=False)  # the default: unset
    conn = await connect(env["DATABASE_URL"])
    try:
        org_id = await create_org(conn)
    finally:
        await conn.close()
    port, log = free_port(), tmp_path / "courier.log"
    with service("courier", port, {"COURIER_CHANNEL_CACHE_TTL": "0", "COURIER_SENDERS": "0"}, log=log):
        yield Courier(f"http://127.0.0.1:{port}", env["DATABASE_URL"], org_id, log)


WAC = {
    "object": "whatsapp_business_account",
    "entry": [{"id": "8856996819413533", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "+250788123200", "phone_number_id": "12345"},
        "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "250788123123"}],
        "messages": [{"from": "250788123123", "id": "wamid.1", "timestamp": "1454119029",
                      "text": {"body": "Hello"}, "type": "text"}],
    }}]}],
}  # fmt: skip
FBA = {
    "object": "page",
    "entry": [{"id": "12345", "time": 1459991487970, "messaging": [{
        "sender": {"id": "5678"}, "recipient": {"id": "12345"}, "timestamp": 1459991487970,
        "message": {"mid": "external_id", "text": "Hello"},
    }]}],
}  # fmt: skip


@pytest.mark.parametrize(("channel_type", "path", "payload"), [("WAC", "wac", WAC), ("FBA", "fba", FBA)])
async def test_meta_callbacks_are_refused_without_the_app_secret(
    courier: Courier, channel_type: str, path: str, payload: dict
) -> None:
    """Point 9: signed with the empty key (what an unset secret verifies), refused with a 503 so Meta retries
    once the operator sets the secret; nothing stored; the start-up log says why."""
    conn = await connect(courier.dsn)
    try:
        await create_channel(
            conn, courier.org_id, channel_type, "12345", {"auth_token": "x"}, schemes=["whatsapp"]
        )
        body = json.dumps(payload).encode()
        signature = hmac.new(b"", body, hashlib.sha256).hexdigest()
        async with httpx.AsyncClient() as client:
            resp = await client.post(
                f"{courier.url}/c/{path}/receive",
                content=body,
                headers={"content-type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
            )
        assert resp.status_code == 503 and "FACEBOOK_APPLICATION_SECRET" in resp.text
        assert await conn.fetchval("SELECT count(*) FROM msgs") == 0
    finally:
        await conn.close()
    assert "FACEBOOK_APPLICATION_SECRET is not set" in courier.log.read_text()


def _update(text: str) -> dict:
    return {"update_id": 1, "message": {"message_id": 7, "date": 1454119029, "text": text,
                                        "from": {"id": 3527065, "first_name": "Nic"}, "chat": {"id": 3527065}}}  # fmt: skip


async def test_telegram_callbacks_must_carry_the_secret_token(courier: Courier) -> None:
    """Point 9: RapidPro's courier does not check it; we do, for channels that have one (all new ones)."""
    conn = await connect(courier.dsn)
    try:
        _, uuid = await create_channel(
            conn, courier.org_id, "TG", "bot", {"auth_token": "1:a", "webhook_secret": "s3cr3t-token"},
            schemes=["telegram"],
        )  # fmt: skip
        url = f"{courier.url}/c/tg/{uuid}/receive"
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=_update("forged"))
            wrong = await client.post(
                url, json=_update("forged"), headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            right = await client.post(
                url, json=_update("real"), headers={"X-Telegram-Bot-Api-Secret-Token": "s3cr3t-token"}
            )
        assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
        assert [r["text"] for r in await conn.fetch("SELECT text FROM msgs")] == ["real"]
    finally:
        await conn.close()
