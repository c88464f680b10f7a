"""Mailroom's internal HTTP API for web, over its real app (ASGI) with a real database."""

from collections.abc import AsyncIterator

import httpx
import pytest

from mailroom.app import create_app
from upesi.db.engine import transaction
from upesi.db.ops.contacts import resolve_contacts
from upesi.urns import parse_urn
from upesi_cli.demo import JOIN_FLOW, seed_demo

AUTH = {"Authorization": "Token test-mailroom-token"}


@pytest.fixture
async def client(db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://mr") as c:
        yield c


async def test_every_route_needs_the_token(client: httpx.AsyncClient) -> None:
    for path in (
        "/mr/sim/start",
        "/mr/sim/resume",
        "/mr/contact/search",
        "/mr/contact/parse_query",
        "/mr/flow/migrate",
    ):
        assert (await client.post(path, json={})).status_code == 401
        assert (await client.post(path, json={}, headers={"Authorization": "Token wrong"})).status_code == 401
    assert (await client.get("/health")).status_code == 200  # health stays open


async def test_contact_search_and_parse_query(client: httpx.AsyncClient) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
        found = await resolve_contacts(
            s, org.id, [parse_urn("tel:+15550000001"), parse_urn("tel:+15550000002")],
            names={"tel:+15550000001": "Ann Smith", "tel:+15550000002": "Bob"},
        )  # fmt: skip

    r = await client.post("/mr/contact/search", json={"org_id": org.id, "query": "name ~ ann"}, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["contact_uuids"] == [found["tel:+15550000001"].contact_uuid]
    assert body["total"] == 1 and body["query"] == 'name ~ "ann"'

    r = await client.post(
        "/mr/contact/parse_query", json={"org_id": org.id, "query": "age > 18"}, headers=AUTH
    )
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "query:unknown_property"

    r = await client.post("/mr/contact/search", json={"org_id": org.id, "query": "name = (("}, headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"]["code"].startswith("query:")


async def test_flow_migrate_keeps_ui_and_reaches_current_spec(client: httpx.AsyncClient) -> None:
    old = dict(JOIN_FLOW, spec_version="13.0.0", language="base")
    r = await client.post("/mr/flow/migrate", json={"flow": old}, headers=AUTH)
    assert r.status_code == 200, r.text
    migrated = r.json()
    assert migrated["spec_version"] == "14.4.2"
    assert migrated["language"] == "und"  # 13.2 replaced base with und
    assert migrated["_ui"] == JOIN_FLOW["_ui"]

    r = await client.post("/mr/flow/migrate", json={"flow": {"name": "broken"}}, headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "flow:invalid"


async def test_simulator_runs_given_assets_statelessly(client: httpx.AsyncClient) -> None:
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e31", "name": "", "status": "active", "urns": ["tel:+15551110000"],
               "created_on": "2026-01-01T00:00:00Z", "fields": {}, "groups": []}  # fmt: skip
    trigger = {
        "type": "manual",
        "flow": {"uuid": JOIN_FLOW["uuid"], "name": "Join"},
        "triggered_on": "2026-01-01T00:00:00Z",
    }
    assets = {"flows": [JOIN_FLOW], "channels": [], "fields": [], "groups": []}
    r = await client.post(
        "/mr/sim/start", json={"contact": contact, "trigger": trigger, "assets": assets}, headers=AUTH
    )
    assert r.status_code == 200, r.text
    started = r.json()
    assert [e["msg"]["text"] for e in started["events"] if e["type"] == "msg_created"] == [
        "What is your name?"
    ]
    assert started["session"]["status"] == "waiting"

    # goflow's resumes.Read refuses a resume without its event (an older simulator's {"msg": ...} form)
    for bad, error in [
        ({"type": "msg", "resumed_on": "2026-01-01T00:01:00Z", "msg": {"urn": "tel:+15551110000", "text": "Ana"}},
         "field 'event' is required"),
        ({"type": "wait_timeout", "resumed_on": "2026-01-01T00:01:00Z"}, "field 'event' is required"),
        ({"type": "msg", "event": {"uuid": "0e4a1fd2-a5e1-4bb8-8cc8-4a7ba0a8a0a1", "type": "msg_received",
                                   "created_on": "2026-01-01T00:01:00Z"}}, "field 'event.msg' is required"),
        ({"type": "dance"}, "unknown type: 'dance'"),
    ]:  # fmt: skip
        r = await client.post(
            "/mr/sim/resume",
            json={
                "contact": started["contact"],
                "session": started["session"],
                "resume": bad,
                "assets": assets,
            },
            headers=AUTH,
        )
        assert (r.status_code, r.json()["detail"]["error"]) == (422, error)

    # as the editor's simulator sends it: the msg_received event carries the message
    resume = {"type": "msg", "resumed_on": "2026-01-01T00:01:00Z",
              "event": {"uuid": "0e4a1fd2-a5e1-4bb8-8cc8-4a7ba0a8a0a1", "type": "msg_received",
                        "created_on": "2026-01-01T00:01:00Z", "msg": {"urn": "tel:+15551110000", "text": "Ana"}}}  # fmt: skip
    r = await client.post(
        "/mr/sim/resume",
        json={
            "contact": started["contact"],
            "session": started["session"],
            "resume": resume,
            "assets": assets,
        },
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    resumed = r.json()
    assert [e["msg"]["text"] for e in resumed["events"] if e["type"] == "msg_created"] == ["Thanks Ana!"]
    assert resumed["contact"]["name"] == "Ana"
    assert resumed["session"]["status"] == "completed"


async def test_simulator_answers_the_context_for_the_explorer(client: httpx.AsyncClient) -> None:
    """As mailroom's simulation response: the current run's context with each object's default under
    "__default__" (what the simulator's "@" explorer lists)."""
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e31", "name": "Ben", "status": "active",
               "urns": ["tel:+15551110000"], "created_on": "2026-01-01T00:00:00Z", "fields": {}, "groups": []}  # fmt: skip
    trigger = {"type": "manual", "flow": {"uuid": JOIN_FLOW["uuid"], "name": "Join"}, "triggered_on": "2026-01-01T00:00:00Z"}  # fmt: skip
    assets = {"flows": [JOIN_FLOW], "channels": [], "fields": [], "groups": [], "globals": [
        {"key": "org_name", "name": "Org Name", "value": "Nyaruka"}]}  # fmt: skip
    r = await client.post(
        "/mr/sim/start", json={"contact": contact, "trigger": trigger, "assets": assets}, headers=AUTH
    )
    context = r.json()["context"]
    for key in (
        "contact",
        "fields",
        "globals",
        "run",
        "urns",
        "results",
        "trigger",
        "webhook",
        "input",
        "node",
    ):
        assert key in context, key
    assert context["contact"]["__default__"] == "Ben"
    assert context["contact"]["name"] == "Ben"
    assert context["urns"]["tel"] == "tel:+15551110000" and context["urns"]["mailto"] is None
    assert context["globals"]["org_name"] == "Nyaruka"
    assert context["run"]["flow"]["name"] == "Join"

    # as the editor's simulator sends it: the msg_received event carries the message
    resume = {"type": "msg", "resumed_on": "2026-01-01T00:01:00Z",
              "event": {"uuid": "0e4a1fd2-a5e1-4bb8-8cc8-4a7ba0a8a0a1", "type": "msg_received",
                        "created_on": "2026-01-01T00:01:00Z", "msg": {"urn": "tel:+15551110000", "text": "Ana"}}}  # fmt: skip
    r = await client.post(
        "/mr/sim/resume",
        json={
            "contact": r.json()["contact"],
            "session": r.json()["session"],
            "resume": resume,
            "assets": assets,
        },
        headers=AUTH,
    )
    context = r.json()["context"]
    assert context["results"]["name"]["__default__"] == "Ana"
    assert context["results"]["name"]["category"] == "Has Text"
    assert context["contact"]["name"] == "Ana"
