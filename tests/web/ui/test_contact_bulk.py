"""Bulk actions on the contact list: what each stores, what mailroom is asked to do, and RapidPro's
refusals, on ticked contacts and on every contact of the list."""

import json

import httpx
import pytest
from sqlalchemy import select

from tests.web.ui.helpers import Site, csrf_from, sign_in
from tests.web.ui.test_pages import add_contact, add_group
from upesi.db.engine import transaction
from upesi.db.models import Broadcast, Contact, FlowStart, contact_group_contacts
from upesi.db.models.flows import flow_start_contacts
from upesi.db.models.msgs import broadcast_contacts
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis
from web.ui import contact_bulk_jobs


async def _bulk(client: httpx.AsyncClient, folder: str = "/contact/", **form: object) -> httpx.Response:
    token = csrf_from((await client.get("/contact/")).text)
    return await client.post("/contact/bulk/", data={"csrf_token": token, "folder": folder, **form})


async def _state(contact_ids: list[int]) -> dict[int, tuple[str, bool, set[int]]]:
    async with transaction() as s:
        rows = (await s.execute(select(Contact).where(Contact.id.in_(contact_ids)))).scalars().all()
        links = (
            await s.execute(
                select(contact_group_contacts.c.contact_id, contact_group_contacts.c.group_id).where(
                    contact_group_contacts.c.contact_id.in_(contact_ids)
                )
            )
        ).all()
    groups: dict[int, set[int]] = {}
    for cid, gid in links:
        groups.setdefault(cid, set()).add(gid)
    return {c.id: (c.status, c.is_active, groups.get(c.id, set())) for c in rows}


async def _queued_tasks() -> list[tuple[str, dict]]:
    queue = FairQueue(get_redis(), QUEUE_BATCH)
    tasks = []
    while (item := await queue.pop()) is not None:
        owner, payload = item
        await queue.done(owner, payload)
        body = json.loads(payload.split("|", 1)[1])
        tasks.append((body["type"], body["task"]))
    return tasks


async def test_ticked_contacts_through_their_life(site: Site, admin: httpx.AsyncClient) -> None:
    ann, ben, cy = [await add_contact(site.org_id, n, p) for n, p in
                    [("Ann", "+250788000001"), ("Ben", "+250788000002"), ("Cy", "+250788000003")]]  # fmt: skip
    farmers = await add_group(site.org_id, "Farmers")
    ids = [ann.id, ben.id, cy.id]
    page = (await admin.get("/contact/")).text
    assert 'id="bulk-form"' in page and f'value="{ann.uuid}" form="bulk-form"' in page

    added = await _bulk(admin, action="add", target_group=farmers.uuid, contacts=[ann.uuid, ben.uuid])
    assert added.status_code == 303 and "done=" in added.headers["location"]
    state = await _state(ids)
    assert state[ann.id][2] == {farmers.id} and state[ben.id][2] == {farmers.id} and state[cy.id][2] == set()

    await _bulk(admin, action="block", contacts=[ann.uuid])
    state = await _state(ids)
    assert state[ann.id][:2] == ("B", True) and state[ann.id][2] == set()  # a blocked contact is in no group
    # a blocked contact cannot be added to a group
    refused = await _bulk(admin, "/contact/blocked/", status="B", action="add", target_group=farmers.uuid,
                          contacts=[ann.uuid])  # fmt: skip
    assert "Non-active+contacts+cannot+be+added+to+groups" in refused.headers["location"]

    await _bulk(admin, "/contact/blocked/", status="B", action="restore", contacts=[ann.uuid])
    await _bulk(admin, action="archive", contacts=[cy.uuid])
    await _bulk(admin, "/contact/archived/", status="V", action="delete", contacts=[cy.uuid])
    state = await _state(ids)
    assert state[ann.id][:2] == ("A", True) and state[cy.id][1] is False

    tasks = await _queued_tasks()
    interrupted = [t["contact_ids"] for kind, t in tasks if kind == "interrupt_contacts"]
    assert interrupted == [[ann.id], [cy.id], [cy.id]]  # block, archive, delete
    assert any(kind == "schedule_contact_fires" and ann.id in t["contact_ids"] for kind, t in tasks)


async def test_every_contact_of_the_list(
    site: Site, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [await add_contact(site.org_id, f"P{i}", f"+25078800{i:04d}") for i in range(60)]  # two pages
    clinic = await add_group(site.org_id, "Clinic")
    page = (await admin.get("/contact/")).text
    assert 'id="bulk-all"' in page and "all 60 in this list" in page
    monkeypatch.setattr(contact_bulk_jobs, "CHUNK", 25)  # three chunks, found by keyset
    added = await _bulk(
        admin, action="add", target_group=clinic.uuid, contacts=[people[0].uuid], all_matching="1"
    )
    job = added.headers["location"]
    assert job.startswith("/contact/bulk/")  # a background job with a progress page
    await contact_bulk_jobs.wait_for_jobs()
    status = (await admin.get(job + "status/")).json()
    assert status == {"status": "complete", "done": 60, "total": 60, "percent": 100, "error": ""}
    assert 'id="bulk-progress" style="width: 100%"' in (await admin.get(job)).text
    state = await _state([p.id for p in people])
    assert all(groups == {clinic.id} for _, _, groups in state.values())
    # all matching a search: only those
    await _bulk(admin, action="archive", search='name = "P7"', all_matching="1")
    await contact_bulk_jobs.wait_for_jobs()
    state = await _state([p.id for p in people])
    assert [p.name for p in people if state[p.id][0] == "V"] == ["P7"]
    # another workspace cannot see the job
    async with site.client() as other:
        await sign_in(other, "admin@other.com")
        assert (await other.get(job + "status/")).status_code == 404
    assert (await admin.get("/contact/bulk/00000000-0000-0000-0000-000000000000/")).status_code == 404


async def test_send_and_start_on_ticked_contacts_and_on_all_matching(
    site: Site, admin: httpx.AsyncClient
) -> None:
    ann, ben = [
        await add_contact(site.org_id, n, p) for n, p in (("Ann", "+250788000001"), ("Ben", "+250788000002"))
    ]
    farmers = await add_group(site.org_id, "Farmers")
    page = (await admin.get("/contact/")).text
    assert 'id="bulk-send"' in page and 'id="bulk-start"' in page and site.flow_uuid in page
    sent = await _bulk(admin, action="send", text="Market day", contacts=[ann.uuid])
    assert (
        "on+its+way+to+1+contact" in sent.headers["location"] or "on%20its%20way" in sent.headers["location"]
    )
    empty = await _bulk(admin, action="send", text="  ", contacts=[ann.uuid])
    assert "write+a+message" in empty.headers["location"]
    everyone = await _bulk(
        admin, action="send", text="Everyone", search='name ~ "an"', group=farmers.uuid, all_matching="1"
    )
    assert "every+contact+in+this+list" in everyone.headers["location"], everyone.headers["location"]
    started = await _bulk(admin, action="start", flow=site.flow_uuid, contacts=[ann.uuid, ben.uuid])
    assert started.headers["location"].startswith(f"/flow/results/{site.flow_uuid}/?start=")
    await _bulk(admin, action="start", flow=site.flow_uuid, search='name = "Ben"', all_matching="1")
    nothing = await _bulk(admin, action="start", flow="", contacts=[ann.uuid])
    assert "Choose+a+flow" in nothing.headers["location"]
    async with transaction() as s:
        bcasts = [(b.translations, b.query, sorted(c for (c,) in (await s.execute(
            select(broadcast_contacts.c.contact_id).where(broadcast_contacts.c.broadcast_id == b.id))).all()))
            for b in (await s.execute(select(Broadcast).order_by(Broadcast.id))).scalars()]  # fmt: skip
        starts = [(st.query, sorted(c for (c,) in (await s.execute(
            select(flow_start_contacts.c.contact_id).where(flow_start_contacts.c.start_id == st.id))).all()))
            for st in (await s.execute(select(FlowStart).order_by(FlowStart.id))).scalars()]  # fmt: skip
    assert bcasts == [
        ({"eng": {"text": "Market day"}}, None, [ann.id]),
        ({"eng": {"text": "Everyone"}}, 'name ~ "an" AND group = "Farmers" AND status = "active"', []),
    ]
    assert starts == [(None, [ann.id, ben.id]), ('name = "Ben" AND status = "active"', [])]
    kinds = [kind for kind, _ in await _queued_tasks()]
    assert kinds.count("send_broadcast") == 2 and kinds.count("start_flow") == 2


async def test_viewers_cannot_act(site: Site) -> None:
    async with site.signed_in("viewer") as viewer:
        assert 'id="bulk-form"' not in (await viewer.get("/contact/")).text
        token = csrf_from((await viewer.get("/contact/")).text)
        response = await viewer.post("/contact/bulk/", data={"csrf_token": token, "action": "block"})
        assert response.status_code == 403
