"""Every endpoint the flow editor calls, checked for the JSON shapes the editor reads (see
../shared/reference/flow_editor.md), for CSRF on writes, roles, and workspace isolation."""

import json
import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactField, ContactGroup, Flow, FlowRevision, FlowRun

JSON = "application/json"


async def token(client: httpx.AsyncClient) -> str:
    return csrf_from((await client.get("/flow/")).text)


async def save(
    client: httpx.AsyncClient, flow_uuid: str, definition: dict, csrf: str | None
) -> httpx.Response:
    headers = {"Content-Type": "application/javascript"}
    if csrf:
        headers["X-CSRFToken"] = csrf
    return await client.post(f"/flow/revisions/{flow_uuid}/", content=json.dumps(definition), headers=headers)


async def test_editor_page_embeds_the_editor(site: Site, admin: httpx.AsyncClient) -> None:
    page = await admin.get(f"/flow/editor/{site.flow_uuid}/")
    assert page.status_code == 200
    assert "<temba-store" in page.text and "/static/temba/temba-components.js" in page.text
    assert "static/flow-editor/static/js/main." in page.text
    config = json.loads(re.search(r"const config = (\{.*?\});\n", page.text).group(1))
    assert config["flow"] == site.flow_uuid and config["mutable"] is True
    assert config["endpoints"]["revisions"] == f"/flow/revisions/{site.flow_uuid}/"
    assert all(v.startswith("/") for v in config["endpoints"].values())
    # the editor's own files are served from node_modules, with the stale components copy never referenced
    for src in re.findall(r'src="(/static/[^"]+)"', page.text):
        assert (await admin.get(src)).status_code == 200, src
    assert "flow-editor/static/temba-components" not in page.text


async def test_definition_and_revisions(site: Site, admin: httpx.AsyncClient) -> None:
    latest = await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/?version=14.3")
    assert latest.status_code == 200 and latest.headers["content-type"] == JSON
    body = latest.json()
    assert set(body) >= {"definition", "info", "issues", "metadata"}
    assert body["definition"]["uuid"] == site.flow_uuid and body["definition"]["revision"] == 1
    assert [r["key"] for r in body["info"]["results"]] == ["name"]
    assert body["info"]["results"][0]["categories"] == ["Has Text", "Other"]

    listing = (await admin.get(f"/flow/revisions/{site.flow_uuid}/?version=14.3")).json()
    assert [set(r) for r in listing["results"]] == [{"id", "user", "created_on", "version", "revision"}]
    assert listing["results"][0]["user"]["email"] == "admin@nyaruka.com"
    one = await admin.get(f"/flow/revisions/{site.flow_uuid}/{listing['results'][0]['id']}/?version=14.3")
    assert one.json()["definition"]["name"] == "Join"


async def test_save_creates_a_revision(site: Site, admin: httpx.AsyncClient) -> None:
    definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    definition["name"] = "Join v2"
    definition["spec_version"] = "14.3.0"  # what the editor sends
    response = await save(admin, site.flow_uuid, definition, await token(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and body["revision"]["revision"] == 2
    assert set(body) >= {"saved_on", "revision", "info", "issues", "metadata"}
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        revs = (await s.execute(select(FlowRevision).where(FlowRevision.flow_id == flow.id))).scalars().all()
    assert flow.name == "Join v2" and flow.revision == 2
    assert sorted(r.revision for r in revs) == [1, 2]
    assert max(revs, key=lambda r: r.revision).definition["spec_version"] == "14.4.2"  # migrated on save


async def test_invalid_definition_is_refused_with_the_engines_message(
    site: Site, admin: httpx.AsyncClient
) -> None:
    definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    definition["nodes"][0]["exits"][0]["destination_uuid"] = str(uuid.uuid4())  # points nowhere
    response = await save(admin, site.flow_uuid, definition, await token(admin))
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failure"
    assert body["description"].startswith("Your flow could not be saved: ")
    assert len(body["description"]) > len("Your flow could not be saved: ")
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
    assert flow.revision == 1


async def test_save_needs_csrf(site: Site, admin: httpx.AsyncClient) -> None:
    definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    assert (await save(admin, site.flow_uuid, definition, None)).status_code == 403
    assert (await save(admin, site.flow_uuid, definition, "wrong")).status_code == 403


@pytest.mark.parametrize(("role", "status"), [("editor", 200), ("agent", 403), ("viewer", 403)])
async def test_who_may_save(site: Site, role: str, status: int) -> None:
    async with site.signed_in("administrator") as admin:
        definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    async with site.signed_in(role) as client:
        csrf = csrf_from((await client.get("/users/login/")).text)
        response = await save(client, site.flow_uuid, definition, csrf)
        assert response.status_code == status


async def test_viewer_gets_a_read_only_editor_and_agent_none(site: Site) -> None:
    async with site.signed_in("viewer") as client:
        page = await client.get(f"/flow/editor/{site.flow_uuid}/")
        assert json.loads(re.search(r"const config = (\{.*?\});\n", page.text).group(1))["mutable"] is False
    async with site.signed_in("agent") as client:
        assert (await client.get(f"/flow/editor/{site.flow_uuid}/")).status_code == 403


async def test_another_workspaces_flow_is_not_found(site: Site, admin: httpx.AsyncClient) -> None:
    assert (await admin.get(f"/flow/editor/{site.other_flow_uuid}/")).status_code == 404
    assert (await admin.get(f"/flow/revisions/{site.other_flow_uuid}/latest/")).status_code == 404
    assert (await admin.get("/flow/revisions/not-a-uuid/latest/")).status_code == 404


async def test_assets_in_list_format(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        s.add(ContactField(uuid=str(uuid.uuid4()), org_id=site.org_id, key="age", name="Age", value_type="N",
                           agent_access="E", priority=1))  # fmt: skip
        s.add(ContactField(uuid=str(uuid.uuid4()), org_id=site.org_id, key="hiv", name="HIV", value_type="T",
                           agent_access="N"))  # fmt: skip
        s.add(ContactGroup(uuid=str(uuid.uuid4()), org_id=site.org_id, name="Farmers"))
        s.add(
            ContactGroup(
                uuid=str(uuid.uuid4()), org_id=site.org_id, name="Adults", group_type="Q", query="age > 18"
            )
        )
    for kind in ("groups", "fields", "labels", "channels", "flows", "globals", "users", "optins", "topics", "classifiers",
                 "resthooks", "templates", "llms"):  # fmt: skip
        response = await admin.get(f"/flow/assets/{kind}/")
        assert response.status_code == 200 and response.headers["content-type"] == JSON, kind
        assert set(response.json()) == {"next", "previous", "results"}, kind
    fields = (await admin.get("/flow/assets/fields/")).json()["results"]
    assert {"key": "age", "name": "Age", "type": "number"}.items() <= fields[0].items()
    # each field's agent access as stored (RapidPro's names), as fields.json gives it
    assert [(f["key"], f["agent_access"]) for f in fields] == [("age", "edit"), ("hiv", "none")]
    groups = {g["name"]: g for g in (await admin.get("/flow/assets/groups/")).json()["results"]}
    assert groups["Adults"]["query"] == "age > 18" and groups["Farmers"]["query"] is None
    flows = (await admin.get("/flow/assets/flows/?archived=false")).json()["results"]
    assert [(f["uuid"], f["type"]) for f in flows] == [
        (site.flow_uuid, "message")
    ]  # not the other workspace's
    users = (await admin.get("/flow/assets/users/")).json()["results"]
    assert {u["email"] for u in users} == {
        "admin@nyaruka.com",
        "editor@nyaruka.com",
        "agent@nyaruka.com",
        "viewer@nyaruka.com",
    }
    langs = (await admin.get(f"/flow/assets/{site.org_id}/123/language/")).json()["results"]
    assert [(lang["iso"], lang["name"]) for lang in langs] == [("eng", "English"), ("kin", "Kinyarwanda")]


async def test_omnibox(site: Site, admin: httpx.AsyncClient) -> None:
    async with transaction() as s:
        s.add(ContactGroup(uuid=str(uuid.uuid4()), org_id=site.org_id, name="Farmers"))
        s.add(Contact(uuid=str(uuid.uuid4()), org_id=site.org_id, name="Fatuma"))
    results = (await admin.get("/contact/omnibox/?v=2&types=gc&search=fa")).json()["results"]
    assert sorted((r["type"], r["name"]) for r in results) == [("contact", "Fatuma"), ("group", "Farmers")]


async def test_activity_and_recent_contacts(site: Site, admin: httpx.AsyncClient) -> None:
    definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    first, wait = definition["nodes"][0], definition["nodes"][1]
    async with transaction() as s:
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        for name in ("Ann", "Bob"):
            contact = Contact(uuid=str(uuid.uuid4()), org_id=site.org_id, name=name)
            s.add(contact)
            await s.flush()
            from datetime import UTC, datetime

            now = datetime.now(UTC)
            s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=site.org_id, flow_id=flow.id, contact_id=contact.id,
                          session_uuid=str(uuid.uuid4()), status="W", path_nodes=[first["uuid"], wait["uuid"]],
                          path_times=[now, now], current_node_uuid=wait["uuid"]))  # fmt: skip
    activity = await admin.get(f"/flow/activity/{site.flow_uuid}/?flow={site.flow_uuid}")
    assert activity.headers["content-type"] == JSON
    exit_uuid = first["exits"][0]["uuid"]
    assert activity.json() == {"nodes": {wait["uuid"]: 2}, "segments": {f"{exit_uuid}:{wait['uuid']}": 2}}
    recents = (await admin.get(f"/flow/recent_contacts/{site.flow_uuid}/{exit_uuid}/{wait['uuid']}/")).json()
    assert sorted(r["contact"]["name"] for r in recents) == ["Ann", "Bob"]
    assert all(set(r) == {"contact", "operand", "time"} for r in recents)


async def test_completion_document(site: Site, admin: httpx.AsyncClient) -> None:
    doc = (await admin.get("/flow/completion.json")).json()
    assert {"types", "root", "root_no_session"} <= set(doc["context"])
    signatures = [f["signature"] for f in doc["functions"]]
    assert any(s.startswith("upper(") for s in signatures)
    assert all({"signature", "summary"} <= set(f) for f in doc["functions"])


async def test_media_upload(site: Site, admin: httpx.AsyncClient) -> None:
    csrf = await token(admin)
    refused = await admin.post(
        "/msg/media_upload/", files={"file": ("cat.png", b"\x89PNG fake", "image/png")}
    )
    assert refused.status_code == 403
    response = await admin.post(
        "/msg/media_upload/", files={"file": ("cat picture.png", b"\x89PNG fake", "image/png")},
        headers={"X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest"},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "image/png" and body["url"].endswith("/cat_picture.png")
    path = "/" + body["url"].split("/", 3)[3]
    served = await admin.get(path)
    assert served.status_code == 200 and served.content == b"\x89PNG fake"


async def test_simulator_without_mailroom_reports_an_error(
    site: Site, admin: httpx.AsyncClient, monkeypatch
) -> None:
    """The real round trip runs in the browser test against a real mailroom; here nothing listens."""
    from upesi.config import reset_settings

    monkeypatch.setenv("MAILROOM_URL", "http://127.0.0.1:9")
    reset_settings()
    definition = (await admin.get(f"/flow/revisions/{site.flow_uuid}/latest/")).json()["definition"]
    body = {"contact": {"uuid": str(uuid.uuid4()), "urns": ["tel:+12065551212"], "fields": {}, "groups": []},
            "flow": definition, "trigger": {"type": "manual", "params": {}, "triggered_on": "2026-01-01T00:00:00Z"}}  # fmt: skip
    response = await admin.post(
        f"/flow/simulate/{site.flow_uuid}/", content=json.dumps(body),
        headers={"Content-Type": "application/javascript", "X-XSRF-TOKEN": await token(admin)},
    )  # fmt: skip
    assert response.status_code == 503
    assert "simulator is not available" in response.json()["error"]
    broken = dict(definition, nodes=[{"uuid": "x"}])
    response = await admin.post(
        f"/flow/simulate/{site.flow_uuid}/", content=json.dumps(dict(body, flow=broken)),
        headers={"X-XSRF-TOKEN": await token(admin)},
    )  # fmt: skip
    assert response.status_code == 400 and "can't be simulated" in response.json()["error"]
