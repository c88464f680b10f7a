"""The simulator playing a call: a voice flow simulated through web's /flow/simulate/ and a real mailroom
answers with what a call would say (ivr_created) and waits with digit and audio hints (the editor's keypad and
audio drawer); digits and a recording typed in resume it, on the simulator's test call (mailroom's)."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mailroom.ivr.support import IVR_FLOW
from tests.support.processes import free_port, service
from tests.web.ui.helpers import Site, csrf_from
from upesi.config import reset_settings
from upesi.db.engine import transaction
from upesi.domain.imports import import_definitions

CONTACT = {"uuid": str(uuid.uuid4()), "name": "Sim", "urns": ["tel:+12065551212"], "fields": {}, "groups": []}
SIM_AUDIO = "audio/mp3:https://s3.amazonaws.com/floweditor-assets.temba.io/simulator/sim_audio_a.mp3"


@pytest.fixture
def mailroom(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    with service("mailroom", port, log=tmp_path / "mailroom.log"):
        monkeypatch.setenv("MAILROOM_URL", f"http://127.0.0.1:{port}")
        reset_settings()
        yield f"http://127.0.0.1:{port}"
    reset_settings()


def said(answer: dict[str, Any]) -> list[str]:
    return [e["msg"]["text"] for e in answer["events"] if e["type"] == "ivr_created"]


def hint(answer: dict[str, Any]) -> dict[str, Any]:
    [wait] = [e for e in answer["events"] if e["type"] == "msg_wait"]
    return wait["hint"]


async def test_simulator_plays_a_call(site: Site, admin: httpx.AsyncClient, mailroom: str) -> None:
    async with transaction() as db:
        await import_definitions(db, org_id=site.org_id, export=json.loads(IVR_FLOW.read_text()))
    flow_uuid = json.loads(IVR_FLOW.read_text())["flows"][0]["uuid"]
    page = await admin.get(f"/flow/editor/{flow_uuid}/")
    assert page.status_code == 200 and '"flowType": "voice"' in page.text  # the editor's voice mode
    definition = (await admin.get(f"/flow/revisions/{flow_uuid}/latest/")).json()["definition"]
    assert definition["type"] == "voice"
    headers = {
        "Content-Type": "application/javascript",
        "X-XSRF-TOKEN": csrf_from((await admin.get("/flow/")).text),
    }

    async def post(body: dict[str, Any]) -> dict[str, Any]:
        r = await admin.post(f"/flow/simulate/{flow_uuid}/", content=json.dumps({**body, "flow": definition}),
                             headers=headers)  # fmt: skip
        assert r.status_code == 200, r.text
        return r.json()

    answer = await post({"contact": CONTACT, "trigger": {"type": "manual", "params": {},
                                                         "triggered_on": "2026-12-07T16:00:00Z"}})  # fmt: skip
    assert said(answer) == ["Hello there. Please enter one or two."]
    assert hint(answer) == {"type": "digits", "count": 1}
    assert answer["session"]["call"]["urn"] == "tel:+12065551212"  # the simulator's test call
    assert not [e for e in answer["events"] if e["type"] in ("error", "failure")], answer["events"]

    async def resume(answer: dict[str, Any], text: str, attachments: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        # as the editor's simulator sends it (Simulator.tsx resume)
        event = {"uuid": str(uuid.uuid4()), "type": "msg_received", "created_on": "2026-12-07T16:00:05Z",
                 "msg": {"text": text, "urn": "tel:+12065551212", "attachments": list(attachments)}}  # fmt: skip
        return await post(
            {"contact": answer["contact"], "session": answer["session"],
             "resume": {"type": "msg", "event": event, "resumed_on": "2026-12-07T16:00:05Z"}}
        )  # fmt: skip

    answer = await resume(answer, "1")
    assert said(answer) == ["Great! You said One. Ok, now enter a number 1 to 100 then press pound."]
    assert hint(answer)["type"] == "digits" and "count" not in hint(answer)
    answer = await resume(answer, "42")
    assert said(answer)[0].startswith("You picked the number 42")
    assert hint(answer) == {"type": "audio"}
    answer = await resume(answer, "", [SIM_AUDIO])
    assert said(answer)[0] == "You said"
    assert [e["type"] for e in answer["events"]][-1] == "dial_wait"
