import json

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import mailroom_schedules
from upesi.queues.redis import get_redis


async def test_campaigns_and_events(api: API) -> None:
    g = await f.group(api.ws.org_id, "Mothers")
    await f.field(api.ws.org_id, "edd", "EDD", "D")
    await f.field(api.ws.org_id, "nickname", "Nickname", "T")
    flow = await f.flow(api.ws.org_id, "Reminder")

    resp = await api.post("campaigns.json", {"name": "ANC", "group": g.uuid})
    assert resp.status_code == 201, resp.text
    campaign = resp.json()
    assert campaign["group"] == {"uuid": g.uuid, "name": "Mothers"} and campaign["archived"] is False
    assert (
        await api.post("campaigns.json", {"name": "ANC Visits", "group": "Mothers"}, uuid=campaign["uuid"])
    ).json()["name"] == "ANC Visits"
    assert [c["uuid"] for c in (await api.get("campaigns.json")).json()["results"]] == [campaign["uuid"]]

    resp = await api.post("campaign_events.json", {"campaign": campaign["uuid"], "relative_to": "edd", "offset": -7,
                                                   "unit": "days", "delivery_hour": 9, "message": "Visit due soon"})  # fmt: skip
    assert resp.status_code == 201, resp.text
    event = resp.json()
    assert event["campaign"] == {"uuid": campaign["uuid"], "name": "ANC Visits"}
    assert event["relative_to"] == {"key": "edd", "name": "EDD", "label": "EDD"}
    assert (event["offset"], event["unit"], event["delivery_hour"]) == (-7, "days", 9)
    assert event["message"] == {"eng": "Visit due soon"} and event["flow"] is None

    # being scheduled, it can't be edited until mailroom has written its fires
    resp = await api.post("campaign_events.json", {"flow": flow.uuid, "offset": 1, "relative_to": "edd", "unit": "days",
                                                   "delivery_hour": 9}, uuid=event["uuid"])  # fmt: skip
    assert resp.json() == {"non_field_errors": ["Cannot modify events which are currently being scheduled."]}
    await mailroom_schedules(api.ws.org_id, [event["uuid"]])
    # RapidPro's serializer wants every scheduling field on an update too
    partial = await api.post("campaign_events.json", {"flow": flow.uuid, "offset": 1}, uuid=event["uuid"])
    assert partial.status_code == 400 and partial.json()["relative_to"] == ["This field is required."]
    resp = await api.post("campaign_events.json", {"flow": flow.uuid, "offset": 1, "relative_to": "edd", "unit": "days",
                                                   "delivery_hour": 9}, uuid=event["uuid"])  # fmt: skip
    assert resp.status_code == 200
    assert resp.json()["flow"] == {"uuid": flow.uuid, "name": "Reminder"} and resp.json()["message"] is None
    assert resp.json()["offset"] == 1

    listed = (await api.get("campaign_events.json", campaign="ANC Visits")).json()["results"]
    assert [e["uuid"] for e in listed] == [event["uuid"]]
    assert (await api.get("campaign_events.json", campaign=f.uid())).json()["results"] == []

    bad = await api.post("campaign_events.json", {"campaign": campaign["uuid"], "relative_to": "nickname", "offset": 1,
                                                  "unit": "fortnights", "delivery_hour": 30})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json() == {
        "relative_to": ["Must be a datetime field."],
        "unit": ['"fortnights" is not a valid choice.'],
        "delivery_hour": ["Ensure this value is less than or equal to 23."],
    }
    assert (
        await api.delete("campaign_events.json", uuid=event["uuid"], token=api.other.token)
    ).status_code == 404
    assert (await api.delete("campaign_events.json", uuid=event["uuid"])).status_code == 204
    assert (await api.get("campaign_events.json")).json()["results"] == []
    # mailroom recomputes the event's fires after its creation and its edit, and removes them after its deletion
    queued = [
        json.loads(p.split("|", 1)[1])
        for p in await get_redis().lrange(f"{{tasks:batch}}:o:{api.ws.org_id}/0", 0, -1)
    ]
    scheduled = [t["task"]["event_id"] for t in queued if t["type"] == "schedule_campaign_event"]
    assert len(scheduled) == 3 and len(set(scheduled)) == 1
    assert (await api.get("campaigns.json", token=api.other.token)).json()["results"] == []
    assert (await api.get("campaigns.json", token=api.ws.tokens["agent"])).status_code == 403


async def test_group_in_use_by_campaign_cannot_be_deleted(api: API) -> None:
    g = await f.group(api.ws.org_id, "Mothers")
    assert (await api.post("campaigns.json", {"name": "ANC", "group": g.uuid})).status_code == 201
    resp = await api.delete("groups.json", uuid=g.uuid)
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Group is being used by campaigns which must be archived first."}
