"""Issue #16's check: every flow of every legacy export in the corpus (email, webhook, groups and labels actions
among them), once imported, runs through /mr/sim against the workspace's own assets without the errors
goflow would not give: no "Missing dependency" (the import creates what the flows use; channels, which
no import creates, aside), no crash (every answer a 200), no resume refused. Each flow is started and then answered a few times, as a tester would."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailroom.app import create_app
from mailroom.scene import load_org_scene
from tests.upesi.domain.imports_support import EXPORTS, do_import, rows, workspace
from tests.upesi.domain.test_imports_corpus import VALID_FILES, _id
from upesi.db.engine import transaction
from upesi.flows.resumes import new_resume

AUTH = {"Authorization": "Token test-mailroom-token"}
LEGACY = [p for p in VALID_FILES if (EXPORTS / "legacy") in p.parents]
ANSWERS = ["1", "yes", "Ben Haggerty", "red", "25", "ben@example.com"]
CONTACT = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e31", "name": "Ben", "status": "active", "language": "eng",
           "urns": ["tel:+250788123123"], "created_on": "2026-01-01T00:00:00Z", "fields": {}, "groups": []}  # fmt: skip


@pytest.fixture
async def client(db: None, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    # the flows call example.com, which this machine cannot reach: one attempt each, no backoff between
    monkeypatch.setenv("WEBHOOKS_MAX_RETRIES", "0")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://mr") as c:
        yield c


def _errors(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "error"]


@pytest.mark.parametrize("path", LEGACY, ids=_id)
async def test_imported_legacy_flows_simulate_without_missing_dependencies(
    client: httpx.AsyncClient, path: Path
) -> None:
    org_id = await workspace()
    await do_import(org_id, json.loads(path.read_text()))
    flows = await rows(
        "SELECT uuid::text, name FROM flows WHERE org_id = :o AND is_active AND NOT is_system AND flow_type IN ('M', 'B')"
        " ORDER BY id", o=org_id,
    )  # fmt: skip
    assert flows or path.name.startswith(("ivr", "migrate_to_11_12_one")), "nothing to simulate"
    async with transaction() as db:  # the workspace's assets, loaded once as the simulator loads them
        scene = await load_org_scene(db, org_id, max_age=0)
    given = {"assets": scene.assets, "environment": scene.environment}
    for uuid, name in flows:
        trigger = {
            "type": "manual",
            "flow": {"uuid": uuid, "name": name},
            "triggered_on": "2026-01-01T00:00:00Z",
        }
        r = await client.post(
            "/mr/sim/start", json={"contact": CONTACT, "trigger": trigger, **given}, headers=AUTH
        )
        assert r.status_code == 200, (name, r.text)
        answer = r.json()
        errors = _errors(answer["events"])
        for text in ANSWERS:
            if answer["session"]["status"] != "waiting":
                break
            resume = new_resume("msg", "2026-01-01T00:01:00Z", msg={"urn": CONTACT["urns"][0], "text": text})
            r = await client.post(
                "/mr/sim/resume",
                json={"contact": answer["contact"], "session": answer["session"], "resume": resume, **given},
                headers=AUTH,
            )  # fmt: skip
            assert r.status_code == 200, (name, text, r.text)
            answer = r.json()
            errors += _errors(answer["events"])
        # channels are the one kind an import does not create (RapidPro's neither): goflow says the same
        missing = [
            e for e in errors if e.startswith("Missing dependency") and "dependency: channel[" not in e
        ]
        assert missing == [], name
