from tests.web.api import factories as f
from tests.web.api.conftest import API


async def test_channels(api: API) -> None:
    ch = await f.channel(api.ws.org_id, "T", "+250788000001")
    await f.channel(api.other.org_id, "T", "+250788000002")
    results = (await api.get("channels.json")).json()["results"]
    assert len(results) == 1
    c = results[0]
    assert (
        c["uuid"] == ch.uuid
        and c["type"] == "twilio"
        and c["address"] == "+250788000001"
        and c["country"] == "RW"
    )
    assert c["device"] is None
    assert (await api.get("channels.json", address="+250788000002")).json()["results"] == []
    assert (await api.get("channels.json", token=api.ws.tokens["agent"])).status_code == 403


async def test_workspace_and_org(api: API) -> None:
    resp = await api.get("workspace.json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["uuid"] == api.ws.org_uuid and body["name"] == "Nyaruka"
    assert (
        body["languages"] == ["eng", "kin"] and body["country"] == "RW" and body["date_style"] == "day_first"
    )
    assert body["anon"] is False and body["timezone"] == "UTC"
    assert (await api.get("org.json")).json() == body
    assert (await api.get("workspace.json", token=api.other.token)).json()["name"] == "Other"
    assert (await api.get("workspace.json", token=api.ws.tokens["agent"])).status_code == 200


async def test_globals(api: API) -> None:
    resp = await api.post("globals.json", {"name": "CHT URL", "value": "https://cht.example.com"})
    assert resp.status_code == 201
    assert resp.json()["key"] == "cht_url" and resp.json()["value"] == "https://cht.example.com"
    resp = await api.post("globals.json", {"value": "https://cht2.example.com"}, key="cht_url")
    assert resp.status_code == 200 and resp.json()["value"] == "https://cht2.example.com"
    assert (await api.post("globals.json", {"name": "cht url", "value": "x"})).json() == {
        "name": ["This field must be unique."]
    }
    assert (await api.post("globals.json", {"name": "Y"})).json() == {"value": ["This field is required."]}
    assert [g["key"] for g in (await api.get("globals.json")).json()["results"]] == ["cht_url"]
    assert (await api.get("globals.json", token=api.other.token)).json()["results"] == []
    assert (
        await api.post("globals.json", {"value": "x"}, key="cht_url", token=api.other.token)
    ).status_code == 404
