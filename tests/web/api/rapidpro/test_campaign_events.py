"""campaign_events: RapidPro's test_campaign_events.py assertions, ported."""

from typing import Any

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of, mailroom_schedules
from tests.web.api.test_actions import drain
from upesi.db.engine import transaction
from upesi.db.models import Campaign, CampaignEvent
from upesi.queues.fair import QUEUE_BATCH, FairQueue
from upesi.queues.redis import get_redis


async def _event(uuid: str) -> CampaignEvent:
    async with transaction() as s:
        return (await s.execute(select(CampaignEvent).where(CampaignEvent.uuid == uuid))).scalar_one()


async def _set_ready(campaign: Campaign) -> None:
    """Mailroom's schedule_campaign_event runs for the campaign's events: their fires are written, they are R."""
    async with transaction() as s:
        uuids = (
            await s.execute(select(CampaignEvent.uuid).where(CampaignEvent.campaign_id == campaign.id))
        ).scalars()
        uuids = list(uuids)
    await mailroom_schedules(campaign.org_id, uuids)
    async with transaction() as s:
        statuses = await s.execute(
            select(CampaignEvent.status).where(CampaignEvent.campaign_id == campaign.id)
        )
        assert set(statuses.scalars()) == {"R"}


def _body(campaign: Campaign, **kw: Any) -> dict[str, Any]:
    return {"campaign": str(campaign.uuid), "relative_to": "registration", "offset": 15, "unit": "weeks",
            "delivery_hour": -1} | kw  # fmt: skip


async def test_listing(api: API) -> None:
    """RapidPro's listing: newest first, with relative_to's deprecated label; another workspace's unseen."""
    url = "/api/v2/campaign_events.json"
    assert [(await api.client.get(url)).status_code, (await api.client.post(url, json={})).status_code,
            (await api.client.delete(url)).status_code] == [403, 403, 403]  # fmt: skip
    flow = await f.flow(api.ws.org_id, "Test Flow")
    reporters = await f.group(api.ws.org_id, "Reporters")
    await f.field(api.ws.org_id, "registration", "Registration", value_type="D")
    campaigns = [await f.add(Campaign(uuid=f.uid(), org_id=api.ws.org_id, name=name, group_id=reporters.id))
                 for name in ("Reminders", "Notifications", "Alerts")]  # fmt: skip
    bodies = [
        {"relative_to": "registration", "offset": 1, "unit": "days", "delivery_hour": -1,
         "message": {"eng": "Don't forget to brush your teeth"}},
        {"relative_to": "registration", "offset": 6, "unit": "hours", "delivery_hour": 12, "flow": str(flow.uuid)},
        {"relative_to": "created_on", "offset": 6, "unit": "hours", "delivery_hour": 12, "flow": str(flow.uuid)},
    ]  # fmt: skip
    events = []
    for campaign, body in zip(campaigns, bodies, strict=True):
        resp = await api.post("campaign_events.json", body | {"campaign": str(campaign.uuid)})
        assert resp.status_code == 201, resp.text
        events.append(resp.json())
    other_group = await f.group(api.other.org_id, "Spammers")
    await f.field(api.other.org_id, "joined", "Joined On", value_type="D")
    spam = await f.add(
        Campaign(uuid=f.uid(), org_id=api.other.org_id, name="Cool stuff", group_id=other_group.id)
    )
    other_flow = await f.flow(api.other.org_id, "Test Flow")
    resp = await api.post("campaign_events.json", {"campaign": str(spam.uuid), "relative_to": "joined", "offset": 6,
                                                   "unit": "hours", "delivery_hour": 12,
                                                   "flow": str(other_flow.uuid)}, token=api.other.token)  # fmt: skip
    assert resp.status_code == 201, resp.text

    registration = {"key": "registration", "name": "Registration", "label": "Registration"}
    flow_ref = {"uuid": str(flow.uuid), "name": "Test Flow"}
    expected = [
        {"uuid": events[2]["uuid"], "campaign": {"uuid": str(campaigns[2].uuid), "name": "Alerts"},
         "relative_to": {"key": "created_on", "name": "Created On", "label": "Created On"}, "offset": 6,
         "unit": "hours", "delivery_hour": 12, "flow": flow_ref, "message": None,
         "created_on": events[2]["created_on"]},
        {"uuid": events[1]["uuid"], "campaign": {"uuid": str(campaigns[1].uuid), "name": "Notifications"},
         "relative_to": registration, "offset": 6, "unit": "hours", "delivery_hour": 12, "flow": flow_ref,
         "message": None, "created_on": events[1]["created_on"]},
        {"uuid": events[0]["uuid"], "campaign": {"uuid": str(campaigns[0].uuid), "name": "Reminders"},
         "relative_to": registration, "offset": 1, "unit": "days", "delivery_hour": -1, "flow": None,
         "message": {"eng": "Don't forget to brush your teeth"}, "created_on": events[0]["created_on"]},
    ]  # fmt: skip
    for token in (api.ws.tokens["editor"], api.ws.token):
        assert (await api.get("campaign_events.json", token=token)).json()["results"] == expected
    assert ids_of(await api.get("campaign_events.json", uuid=events[0]["uuid"])) == [events[0]["uuid"]]
    assert ids_of(await api.get("campaign_events.json", campaign="Reminders")) == [events[0]["uuid"]]
    assert ids_of(await api.get("campaign_events.json", campaign=str(campaigns[0].uuid))) == [
        events[0]["uuid"]
    ]
    assert ids_of(await api.get("campaign_events.json", campaign="Invalid")) == []


async def test_endpoint(api: API) -> None:
    url = "campaign_events.json"
    for method in (api.get, api.delete):
        assert (await method(url, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.post(url, {}, token=api.ws.tokens["agent"])).status_code == 403

    flow = await f.flow(api.ws.org_id, "Test Flow")
    reporters = await f.group(api.ws.org_id, "Reporters")
    await f.field(api.ws.org_id, "registration", "Registration", value_type="D")
    c1 = await f.add(Campaign(uuid=f.uid(), org_id=api.ws.org_id, name="Reminders", group_id=reporters.id))
    c2 = await f.add(
        Campaign(uuid=f.uid(), org_id=api.ws.org_id, name="Notifications", group_id=reporters.id)
    )

    # create a message event; a plain string is the base language
    resp = await api.post(url, _body(c1, message="You are @fields.age"))
    assert resp.status_code == 201
    event1 = resp.json()
    assert event1["relative_to"] == {"key": "registration", "name": "Registration", "label": "Registration"}
    assert event1["message"] == {"eng": "You are @fields.age"} and event1["flow"] is None
    stored = await _event(event1["uuid"])
    assert (stored.offset, stored.unit, stored.delivery_hour, stored.base_language) == (15, "W", -1, "eng")
    assert (stored.event_type, stored.translations, stored.fire_version, stored.flow_id) == (
        "M", {"eng": "You are @fields.age"}, 1, None)  # fmt: skip
    # (RapidPro stores {"eng": {"text": ...}}; ours keeps {language: text}, which mailroom reads: NOTES.md)

    resp = await api.post(url, _body(c1, relative_to="created_on", unit="days", message="Nice unit of work"))
    assert resp.status_code == 201
    assert resp.json()["relative_to"] == {"key": "created_on", "name": "Created On", "label": "Created On"}
    stored = await _event(resp.json()["uuid"])
    assert (stored.event_type, stored.relative_to_key, stored.offset, stored.unit, stored.translations) == (
        "M", "created_on", 15, "D", {"eng": "Nice unit of work"})  # fmt: skip

    await drain(api.ws.org_id)
    resp = await api.post(url, _body(c1, flow=str(flow.uuid)))
    assert resp.status_code == 201
    event2 = resp.json()
    # mailroom is asked to schedule it
    assert [(t.type, t.task) for t in await drain(api.ws.org_id)] == [
        ("schedule_campaign_event", {"event_id": (await _event(event2["uuid"])).id})
    ]
    assert event2["flow"] == {"uuid": str(flow.uuid), "name": "Test Flow"} and event2["message"] is None
    stored = await _event(event2["uuid"])
    assert (stored.event_type, stored.offset, stored.unit, stored.translations, stored.base_language) == (
        "F", 15, "W", None, None)  # fmt: skip
    assert stored.flow_id == flow.id

    # filters
    assert ids_of(await api.get(url, uuid=event1["uuid"])) == [event1["uuid"]]
    assert len(ids_of(await api.get(url, campaign="Reminders"))) == 3
    assert len(ids_of(await api.get(url, campaign=str(c1.uuid)))) == 3
    assert ids_of(await api.get(url, campaign="Invalid")) == []

    # created events are being scheduled (mailroom's task sets R once their fires are written)
    assert [(await _event(e["uuid"])).status for e in (event1, event2)] == ["S", "S"]
    # an event being scheduled can't be modified, and is left as it was
    resp = await api.post(url + f"?uuid={event1['uuid']}", _body(c1, relative_to="created_on", unit="days",
                                                                 flow=str(flow.uuid)))  # fmt: skip
    assert_error(resp, "non_field_errors", "Cannot modify events which are currently being scheduled.")
    assert (await _event(event1["uuid"])).event_type == "M"
    await _set_ready(c1)

    # message -> flow without touching when it fires: the fire version and status stay
    queue = FairQueue(get_redis(), QUEUE_BATCH)
    queued = await queue.size()
    resp = await api.post(url + f"?uuid={event1['uuid']}", _body(c1, flow=str(flow.uuid)))
    assert resp.status_code == 200 and resp.json()["flow"]["uuid"] == str(flow.uuid)
    stored = await _event(event1["uuid"])
    assert (stored.event_type, stored.translations, stored.flow_id) == ("F", None, flow.id)
    assert (stored.status, stored.fire_version) == ("R", 1)
    assert await queue.size() == queued
    # flow -> message with a new offset: rescheduled
    resp = await api.post(url + f"?uuid={event2['uuid']}",
                          _body(c1, offset=10, message={"eng": "OK @(format_urn(urns.tel))", "fra": "D'accord"}))  # fmt: skip
    assert resp.status_code == 200
    assert resp.json()["message"] == {"eng": "OK @(format_urn(urns.tel))", "fra": "D'accord"}
    stored = await _event(event2["uuid"])
    assert (stored.event_type, stored.offset, stored.status, stored.fire_version) == ("M", 10, "S", 2)
    assert stored.translations == {"eng": "OK @(format_urn(urns.tel))", "fra": "D'accord"}
    assert [(t.type, t.task) for t in await drain(api.ws.org_id)] == [
        ("schedule_campaign_event", {"event_id": stored.id})
    ]
    await _set_ready(c1)
    # and its message again, in three languages
    resp = await api.post(
        url + f"?uuid={event2['uuid']}", _body(c1, message={"eng": "OK", "fra": "D'accord", "kin": "Sawa"})
    )
    assert resp.status_code == 200
    stored = await _event(event2["uuid"])
    assert (stored.event_type, stored.translations) == (
        "M", {"eng": "OK", "fra": "D'accord", "kin": "Sawa"})  # fmt: skip

    # an event stays in its campaign
    resp = await api.post(
        url + f"?uuid={event1['uuid']}", _body(c2, message={"eng": "OK", "fra": "D'accord"})
    )
    assert_error(resp, "campaign", "Cannot change campaign for existing events")
    assert (await _event(event1["uuid"])).campaign_id == c1.id

    resp = await api.post(url + "?uuid=1234", _body(c1, message="OK"))
    assert_error(resp, None, "Param 'uuid': 1234 is not a valid UUID.")
    assert_error(await api.delete(url), None, "URL must contain one of the following parameters: uuid")
    assert_error(await api.delete(url, uuid="1234"), None, "Param 'uuid': 1234 is not a valid UUID.")
    assert (await api.delete(url, uuid=event1["uuid"])).status_code == 204
    assert (await _event(event1["uuid"])).is_active is False

    # no changes to events of archived campaigns
    async with transaction() as s:
        (await s.get(Campaign, c1.id)).is_archived = True
    resp = await api.post(url + f"?uuid={event2['uuid']}", _body(c1, message="OK"))
    assert_error(resp, "campaign", f"No such object: {c1.uuid}")


async def test_invalid_writes(api: API) -> None:
    url = "campaign_events.json"
    reporters = await f.group(api.ws.org_id, "Reporters")
    await f.field(api.ws.org_id, "registration", "Registration", value_type="D")
    c1 = await f.add(Campaign(uuid=f.uid(), org_id=api.ws.org_id, name="Reminders", group_id=reporters.id))
    assert_errors(await api.post(url, {}), {name: "This field is required." for name in
                                            ("campaign", "relative_to", "offset", "unit", "delivery_hour")})  # fmt: skip
    resp = await api.post(
        url, _body(c1, offset=15, unit="epocs", delivery_hour=25, message={"kin": "Muraho"})
    )
    assert_errors(resp, {
        "unit": '"epocs" is not a valid choice.',
        "delivery_hour": "Ensure this value is less than or equal to 23.",
        # a message must have the workspace's base language (eng)
        "message": "Message text in default flow language is required.",
    })  # fmt: skip
    assert_error(await api.post(url, _body(c1)), "non_field_errors", "Flow or a message text required.")
    # a blank message is named by its language
    assert_error(
        await api.post(url, _body(c1, message="")), ("message", "eng"), "This field may not be blank."
    )
    assert_error(await api.post(url, _body(c1, message={"eng": "Hi", "kin": " "})), ("message", "kin"),
                 "This field may not be blank.")  # fmt: skip
    assert_error(await api.post(url, _body(c1, message={"eng": "Hi", "xyz": "Hi"})), ("message", "xyz"),
                 "Not an allowed ISO 639-3 language code.")  # fmt: skip
    async with transaction() as s:
        assert (await s.execute(select(CampaignEvent))).first() is None
