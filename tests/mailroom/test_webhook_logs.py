"""call_webhook from a running flow: the call goes to a real local server and is logged with request,
response and time; with private networks not allowed, the call is refused and logged as an error."""

import os
from pathlib import Path

from sqlalchemy import text

from mailroom.tasks.handle_contact_event import handle
from tests.mailroom.support import receive
from tests.support import processes
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from upesi_cli.demo import DEMO_CHANNEL_UUID, seed_demo


def webhook_flow(url: str) -> dict:
    return {
        "uuid": "2f8a7a34-3c2b-4b5e-9d6f-0a1b2c3d4e51", "name": "Hook", "spec_version": "14.4.2", "language": "eng",
        "type": "messaging", "revision": 1, "expire_after_minutes": 60, "localization": {},
        "nodes": [{
            "uuid": "5a2c1d3e-4f5a-4b6c-8d7e-9f0a1b2c3d52",
            "actions": [{"uuid": "6b3d2e4f-5a6b-4c7d-9e8f-0a1b2c3d4e53", "type": "call_webhook", "method": "GET",
                         "url": url, "headers": {}, "body": "", "result_name": "Result"}],
            "exits": [{"uuid": "7c4e3f5a-6b7c-4d8e-8f9a-1b2c3d4e5f54", "destination_uuid": None}],
        }],
    }  # fmt: skip


async def start_hook_flow(url: str) -> int:
    async with transaction() as s:
        org = await seed_demo(s)
        flow = await save_flow(s, org.id, webhook_flow(url))
        await add_keyword_trigger(s, org.id, flow.id, ["hook"])
    contact_id, _ = await receive(org.id, DEMO_CHANNEL_UUID, "tel:+15551234567", "hook")
    await handle(org.id, {"contact_id": contact_id})
    return org.id


async def logs() -> list:
    async with transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT url, status_code, request, response, request_time_ms, is_error, flow_id, num_retries"
                    " FROM http_logs"
                )
            )
        ).all()


async def test_webhook_call_is_logged_with_request_and_response(db: None, tmp_path: Path) -> None:
    port = processes.free_port()
    with processes.fake_provider(port, log=tmp_path / "fake.log") as target:
        await start_hook_flow(f"{target}/lookup?id=42")
    [log] = await logs()
    assert log.url.endswith("/lookup?id=42")
    assert log.status_code == 200 and not log.is_error
    assert log.request.startswith("GET /lookup?id=42")
    assert '"status": "queued"' in log.response or '"status":"queued"' in log.response
    assert log.flow_id is not None


async def test_private_address_refused_unless_allowed(db: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "false")
    reset_settings()
    try:
        await start_hook_flow(f"http://127.0.0.1:{processes.free_port()}/internal")
    finally:
        os.environ["ALLOW_PRIVATE_NETWORKS"] = "true"
        reset_settings()
    [log] = await logs()
    assert log.is_error and log.status_code is None
    assert log.url.endswith("/internal")
