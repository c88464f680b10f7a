"""The Community Health Toolkit's two integrations, as CHT sends them, against a real `upesi web`:
the outbound push starting a flow (header auth, deprecated `extra`, retried pushes), and the SMS
gateway (plain-string broadcast, keep the integer id, poll messages?broadcast=<id>)."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port, service
from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


def cht_requests(base: str, token: str, flow_uuid: str) -> dict:
    seen: dict = {}
    # the stored credential is the whole header value
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    push = {"flow": flow_uuid, "urns": ["tel:+250788123123"],
            "extra": {"self_quarantine_enrollment": "23-11-2026 8:5", "name": "Uwase"}}  # fmt: skip
    with httpx.Client(base_url=base, headers=headers) as client:
        seen["push"] = [client.post("/api/v2/flow_starts.json", json=push) for _ in range(2)]  # retried push
        sent = client.post(
            "/api/v2/broadcasts.json", json={"urns": ["tel:+250788123124"], "text": "Visit due"}
        )
        seen["send"] = sent
        seen["poll"] = client.get("/api/v2/messages.json", params={"broadcast": sent.json()["id"]})
        seen["bad_send"] = client.post("/api/v2/broadcasts.json", json={"urns": ["nope"], "text": "x"})
    return seen


@pytest.mark.timeout(120)
async def test_cht_outbound_push_and_sms_gateway(api: API, tmp_path: Path) -> None:
    flow = await f.flow(api.ws.org_id, "Self quarantine")
    port = free_port()
    with service("web", port, log=tmp_path / "web.log"):
        seen = await asyncio.to_thread(cht_requests, f"http://127.0.0.1:{port}", api.ws.token, flow.uuid)

    assert [r.status_code for r in seen["push"]] == [201, 201]
    assert seen["push"][0].json()["params"] == {
        "self_quarantine_enrollment": "23-11-2026 8:5",
        "name": "Uwase",
    }
    assert seen["send"].status_code == 201
    assert isinstance(seen["send"].json()["id"], int) and seen["send"].json()["status"] == "pending"
    assert seen["poll"].status_code == 200 and seen["poll"].json()["results"] == []
    assert seen["bad_send"].status_code == 400  # CHT marks the message failed on a 400
    # two start_flow tasks and one send_broadcast task wait for mailroom
    assert await FairQueue(get_redis(), QUEUE_BATCH).size() == 3
