"""runs: RapidPro's test_runs.py assertions, ported (runs written as mailroom leaves them)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRun, FlowStart
from web.api.v2.values import fmt_dt


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


async def test_run_shapes(api: API) -> None:
    """RapidPro's full JSON of a completed run (start, path, values) and of a waiting one, with and without
    paths, and the reversed order."""
    assert (await api.client.get("/api/v2/runs.json")).status_code == 403
    flow = await f.flow(api.ws.org_id, "Colors")
    joe = await f.contact(api.ws.org_id, "Joe Blow", urns=["tel:+250788123123"])
    frank = await f.contact(api.ws.org_id, "Frank", urns=["tel:123456"])
    prompt, split, reply = f.uid(), f.uid(), f.uid()
    t0 = datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
    start = await f.add(FlowStart(uuid=f.uid(), org_id=api.ws.org_id, flow_id=flow.id))
    joe_run = await f.run(api.ws.org_id, flow, joe, status="C", responded=True)
    frank_run = await f.run(api.ws.org_id, flow, frank, status="W", responded=False)
    color = {"name": "Color", "value": "blue", "category": "Blue", "node_uuid": split,
             "created_on": (t0 + timedelta(seconds=2)).isoformat(), "input": "blue"}  # fmt: skip
    async with transaction() as s:
        await s.execute(update(FlowRun).where(FlowRun.id == joe_run.id).values(
            start_id=start.id, results={"color": color}, path_nodes=[prompt, split, reply],
            path_times=[t0, t0 + timedelta(seconds=1), t0 + timedelta(seconds=2)],
            exited_on=t0 + timedelta(seconds=3), modified_on=t0 + timedelta(seconds=3)))  # fmt: skip
        await s.execute(update(FlowRun).where(FlowRun.id == frank_run.id).values(
            results={}, path_nodes=[prompt, split], path_times=[t0, t0 + timedelta(seconds=1)],
            modified_on=t0 + timedelta(seconds=4)))  # fmt: skip
        joe_row = await s.get(FlowRun, joe_run.id)
        frank_row = await s.get(FlowRun, frank_run.id)
        assert joe_row is not None and frank_row is not None
    flow_ref = {"uuid": str(flow.uuid), "name": "Colors"}
    frank_shown = {
        "id": frank_row.id, "uuid": frank_row.uuid, "flow": flow_ref,
        "contact": {"uuid": str(frank.uuid), "name": "Frank", "urn": "tel:123456", "urn_display": "123456"},
        "start": None, "responded": False,
        "path": [{"node": prompt, "time": fmt_dt(t0)}, {"node": split, "time": fmt_dt(t0 + timedelta(seconds=1))}],
        "values": {}, "created_on": fmt_dt(frank_row.created_on), "modified_on": fmt_dt(frank_row.modified_on),
        "exited_on": None, "exit_type": None,
    }  # fmt: skip
    joe_shown = {
        "id": joe_row.id, "uuid": joe_row.uuid, "flow": flow_ref,
        "contact": {"uuid": str(joe.uuid), "name": "Joe Blow", "urn": "tel:+250788123123",
                    "urn_display": "0788 123 123"},
        "start": {"uuid": str(start.uuid)}, "responded": True,
        "path": [{"node": prompt, "time": fmt_dt(t0)}, {"node": split, "time": fmt_dt(t0 + timedelta(seconds=1))},
                 {"node": reply, "time": fmt_dt(t0 + timedelta(seconds=2))}],
        "values": {"color": {"value": "blue", "category": "Blue", "node": split,
                             "time": fmt_dt(t0 + timedelta(seconds=2)), "name": "Color"}},
        "created_on": fmt_dt(joe_row.created_on), "modified_on": fmt_dt(joe_row.modified_on),
        "exited_on": fmt_dt(t0 + timedelta(seconds=3)), "exit_type": "completed",
    }  # fmt: skip
    for token in (api.ws.tokens["editor"], api.ws.token):
        results = (await api.get("runs.json", token=token)).json()["results"]
        for key in joe_shown:
            assert results[1][key] == joe_shown[key], key
        assert results == [frank_shown, joe_shown]
    resp = await api.get("runs.json", paths="false")
    assert resp.json()["results"][0] == frank_shown | {"path": None}
    assert ids_of(await api.get("runs.json", reverse="true")) == [joe_row.uuid, frank_row.uuid]
