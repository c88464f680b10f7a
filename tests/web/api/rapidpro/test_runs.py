"""runs: RapidPro's test_runs.py assertions, ported (runs written as mailroom leaves them)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRun


async def test_endpoint(api: API) -> None:
    url = "runs.json"
    assert (await api.get(url, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post(url, {})).status_code == 405
    assert (await api.delete(url)).status_code == 405
    flow1 = await f.flow(api.ws.org_id, "Colors")
    flow2 = await f.flow(api.ws.org_id, "Colors 2")
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["tel:123456"])
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    joe_run1 = await f.run(api.ws.org_id, flow1, joe, status="C", responded=True)
    frank_run1 = await f.run(api.ws.org_id, flow1, frank, status="W", responded=True)
    joe_run2 = await f.run(api.ws.org_id, flow1, joe, status="W", responded=False)
    frank_run2 = await f.run(api.ws.org_id, flow1, frank, status="W", responded=False)
    joe_run3 = await f.run(api.ws.org_id, flow2, joe, status="W", responded=False)
    runs = [joe_run1, frank_run1, joe_run2, frank_run2, joe_run3]
    async with transaction() as s:
        for i, r in enumerate(runs):
            await s.execute(
                update(FlowRun).where(FlowRun.id == r.id).values(modified_on=t0 + timedelta(minutes=i))
            )
    hans = await f.contact(api.other.org_id, "Hans Gruber", urns=["tel:+4921551511"])
    await f.run(api.other.org_id, await f.flow(api.other.org_id, "Test"), hans)
    newest_first = [r.uuid for r in reversed(runs)]

    resp = await api.get(url)
    assert ids_of(resp) == newest_first
    by_uuid = {r["uuid"]: r for r in resp.json()["results"]}
    # the contact summary: preferred URN and its display (national format for a valid number)
    assert by_uuid[joe_run1.uuid]["contact"] == {
        "uuid": str(joe.uuid), "name": "Joe Blow", "urn": "tel:+250788123123", "urn_display": "0788 123 123"}  # fmt: skip
    assert by_uuid[frank_run2.uuid]["contact"] == {
        "uuid": str(frank.uuid), "name": "Frank", "urn": "tel:123456", "urn_display": "123456"}  # fmt: skip

    assert ids_of(await api.get(url, uuid=frank_run2.uuid)) == [frank_run2.uuid]
    assert ids_of(await api.get(url, uuid=frank_run2.uuid, id=str(joe_run1.id))) == []
    assert ids_of(await api.get(url, uuid=frank_run2.uuid, id=str(frank_run2.id))) == [frank_run2.uuid]
    flow1_runs = [r.uuid for r in reversed(runs[:4])]
    assert ids_of(await api.get(url, flow=str(flow1.uuid))) == flow1_runs
    async with transaction() as s:
        await s.execute(update(Flow).where(Flow.id == flow1.id).values(is_active=False))
    assert ids_of(await api.get(url, flow=str(flow1.uuid))) == []
    async with transaction() as s:
        await s.execute(update(Flow).where(Flow.id == flow1.id).values(is_active=True))
    assert_error(await api.get(url, flow="invalid"), None, "Param 'flow': invalid is not a valid UUID.")
    assert ids_of(await api.get(url, flow="5fb61ca5-bdb1-4a05-af8d-274127f8186f")) == []
    assert ids_of(await api.get(url, flow=str(flow1.uuid), responded="TrUe")) == [
        frank_run1.uuid,
        joe_run1.uuid,
    ]
    assert ids_of(await api.get(url, contact=str(joe.uuid))) == [joe_run3.uuid, joe_run2.uuid, joe_run1.uuid]
    # a contact that is not a UUID matches nothing
    assert ids_of(await api.get(url, contact="invalid")) == []
    assert ids_of(await api.get(url, contact=str(joe.uuid), responded="yes")) == [joe_run1.uuid]
    assert ids_of(await api.get(url, before=(t0 + timedelta(minutes=1)).isoformat())) == [
        frank_run1.uuid,
        joe_run1.uuid,
    ]
    assert ids_of(await api.get(url, after=(t0 + timedelta(minutes=1)).isoformat())) == newest_first[:4]
    assert ids_of(await api.get(url, before="longago")) == []
    assert ids_of(await api.get(url, after="thefuture")) == []
    assert_error(await api.get(url, contact=str(joe.uuid), flow=str(flow1.uuid)), None,
                 "You may only specify one of the contact, flow parameters")  # fmt: skip

    # anonymous: the URN is masked, no display, and the contact's ref is shown
    await set_org(api.ws.org_id, is_anon=True)
    contact = (await api.get(url, uuid=frank_run2.uuid)).json()["results"][0]["contact"]
    assert contact["urn"] == "tel:********" and contact["urn_display"] is None
    assert contact["ref"] and contact["anon_display"] == contact["ref"]
