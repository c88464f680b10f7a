"""Starting a flow from the editor: /flow/preview_start/ counts who will get it (mailroom's recipients query
from the dialog's groups, contacts, query and exclusions), and the start carries that query."""

import json
import uuid

import httpx
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from
from tests.web.ui.test_pages import add_contact, add_group
from upesi.db.engine import transaction
from upesi.db.models import Contact, Flow, FlowRun, FlowStart
from upesi.db.ops.channels import add_channel


async def _preview(
    client: httpx.AsyncClient, token: str, flow_uuid: str, **payload: object
) -> httpx.Response:
    return await client.post(
        f"/flow/preview_start/{flow_uuid}/",
        content=json.dumps(payload),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )


async def test_preview_counts_who_will_get_it(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    ann = await add_contact(site.org_id, "Ann", "+250788000001", farmers)
    bob = await add_contact(site.org_id, "Bob", "+250788000002", farmers)
    cy = await add_contact(site.org_id, "Cy", "+250788000003")
    dee = await add_contact(site.org_id, "Dee", "+250788000004", farmers)
    async with transaction() as s:
        blocked = await s.get(Contact, dee.id)
        assert blocked is not None
        blocked.status = "B"
        flow = (await s.execute(select(Flow).where(Flow.uuid == site.flow_uuid))).scalar_one()
        s.add(FlowRun(uuid=str(uuid.uuid4()), org_id=site.org_id, flow_id=flow.id, contact_id=bob.id, status="C",
                      session_uuid=str(uuid.uuid4())))  # fmt: skip
    page = await admin.get(f"/flow/editor/{site.flow_uuid}/")
    assert 'id="start-dialog"' in page.text and "Farmers" in page.text.split('id="start-dialog"')[1]
    token = csrf_from(page.text)
    cases = [
        ({"group_uuids": [farmers.uuid]}, {}, 2),  # Dee is blocked
        ({"group_uuids": [farmers.uuid], "contact_uuids": [cy.uuid]}, {}, 3),
        ({"query": 'name = "Cy"'}, {}, 1),
        ({"group_uuids": [farmers.uuid]}, {"started_previously": True}, 1),  # Bob ran it
        ({"contact_uuids": [ann.uuid, bob.uuid]}, {"started_previously": True}, 1),
    ]
    for include, exclude, total in cases:
        answer = await _preview(admin, token, site.flow_uuid, include=include, exclude=exclude)
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == total, (include, exclude, answer.json())
    # no channel to send with: RapidPro's blocker
    assert any("add a channel" in b for b in answer.json()["blockers"])
    bad = await _preview(admin, token, site.flow_uuid, include={"query": "age >>> 3"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("Invalid query")
    nobody = await _preview(admin, token, site.flow_uuid, include={})
    assert nobody.status_code == 400 and "Choose groups or contacts" in nobody.json()["error"]
    async with site.signed_in("viewer") as viewer:
        assert (await _preview(viewer, csrf_from((await viewer.get("/flow/")).text), site.flow_uuid,
                               include={"query": "name = x"})).status_code == 403  # fmt: skip


async def test_start_from_the_editor_carries_the_query(site: Site, admin: httpx.AsyncClient) -> None:
    farmers = await add_group(site.org_id, "Farmers")
    await add_contact(site.org_id, "Ann", "+250788000001", farmers)
    cy = await add_contact(site.org_id, "Cy", "+250788000003")
    token = csrf_from((await admin.get(f"/flow/editor/{site.flow_uuid}/")).text)
    form = {"groups": [farmers.uuid], "contacts": [cy.uuid], "exclude_in_a_flow": "true", "csrf_token": token}
    blocked = await admin.post(f"/flow/start/{site.flow_uuid}/", data=form)
    assert "start_error=" in blocked.headers["location"]
    assert "add a channel" in (await admin.get(blocked.headers["location"])).text
    async with transaction() as s:
        await add_channel(s, site.org_id, "EX", "+250788999999", {"send_url": "http://127.0.0.1:9/send"})
    started = await admin.post(f"/flow/start/{site.flow_uuid}/", data=form)
    assert started.status_code == 303 and started.headers["location"].startswith(
        f"/flow/results/{site.flow_uuid}/"
    )
    async with transaction() as s:
        start = (await s.execute(select(FlowStart))).scalar_one()
    assert start.query == f'(group = "Farmers" OR uuid = "{cy.uuid}") AND status = "active" AND flow = ""'
    assert (start.start_type, start.status, start.exclude_active, start.restart_participants) == (
        "M",
        "P",
        True,
        True,
    )
    nobody = await admin.post(
        f"/flow/start/{site.flow_uuid}/", data={"query": 'name = "Nobody"', "csrf_token": token}
    )
    assert "Nobody+matches" in nobody.headers["location"] or "Nobody%20matches" in nobody.headers["location"]
