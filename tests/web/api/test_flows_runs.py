from tests.web.api import factories as f
from tests.web.api.conftest import API


async def test_flows(api: API) -> None:
    reg = await f.flow(api.ws.org_id, "Registration")
    survey = await f.flow(api.ws.org_id, "Survey", flow_type="S", archived=True)
    bob = await f.contact(api.ws.org_id)
    await f.run(api.ws.org_id, reg, bob, status="C")
    await f.run(api.ws.org_id, reg, bob, status="W")
    await f.flow(api.other.org_id, "Theirs")
    results = (await api.get("flows.json")).json()["results"]
    assert [r["name"] for r in results] == ["Survey", "Registration"]
    r = results[1]
    assert r["type"] == "message" and r["archived"] is False and r["expires"] == 10080
    # each status counted once: a waiting run is not also active
    assert r["runs"] == {
        "active": 0,
        "waiting": 1,
        "completed": 1,
        "interrupted": 0,
        "expired": 0,
        "failed": 0,
    }
    assert r["results"] == [{"key": "age_group", "name": "Age Group", "categories": ["Young", "Old"],
                             "node_uuids": ["8dd4fb40-0cc3-4a2f-9a0b-0d1b21e2e3a1"]}]  # fmt: skip
    assert [x["uuid"] for x in (await api.get("flows.json", type="survey")).json()["results"]] == [
        survey.uuid
    ]
    assert [x["uuid"] for x in (await api.get("flows.json", archived="0")).json()["results"]] == [reg.uuid]
    assert (await api.get("flows.json", token=api.ws.tokens["agent"])).status_code == 403


async def test_runs(api: API) -> None:
    reg = await f.flow(api.ws.org_id)
    other_flow = await f.flow(api.ws.org_id, "Other")
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    done = await f.run(api.ws.org_id, reg, bob, status="C")
    waiting = await f.run(api.ws.org_id, other_flow, bob, status="W", responded=False)
    await f.run(api.other.org_id, await f.flow(api.other.org_id), await f.contact(api.other.org_id))
    results = (await api.get("runs.json")).json()["results"]
    assert [r["uuid"] for r in results] == [waiting.uuid, done.uuid]
    r = results[1]
    assert r["flow"] == {"uuid": reg.uuid, "name": "Registration"}
    assert r["contact"] == {
        "uuid": bob.uuid,
        "name": "Bob",
        "urn": "tel:+250788123123",
        "urn_display": "0788 123 123",
    }
    assert r["exit_type"] == "completed" and r["responded"] is True and r["start"] is None
    assert r["path"][0]["node"] == "8dd4fb40-0cc3-4a2f-9a0b-0d1b21e2e3a1"
    assert r["values"]["age_group"]["category"] == "Young" and r["values"]["age_group"]["value"] == "23"
    assert results[0]["exit_type"] is None
    assert [x["uuid"] for x in (await api.get("runs.json", flow=reg.uuid)).json()["results"]] == [done.uuid]
    assert [x["uuid"] for x in (await api.get("runs.json", responded="false")).json()["results"]] == [
        waiting.uuid
    ]
    assert [x["uuid"] for x in (await api.get("runs.json", reverse="true")).json()["results"]] == [
        done.uuid,
        waiting.uuid,
    ]
    assert (await api.get("runs.json", paths="false")).json()["results"][0]["path"] is None
    assert (await api.get("runs.json", flow=reg.uuid, contact=bob.uuid)).status_code == 400
