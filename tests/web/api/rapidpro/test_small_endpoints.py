"""groups, labels, campaigns, globals and resthooks (topics: test_topics.py): RapidPro's tests for them, ported (their error
texts above all)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of, set_org
from tests.web.api.test_actions import drain
from upesi.db.engine import transaction
from upesi.db.models import (
    Campaign,
    CampaignEvent,
    ContactGroup,
    Global,
    Label,
    Resthook,
    Trigger,
    msg_labels,
)
from upesi.db.models.triggers import trigger_groups
from web.api.v2.values import fmt_dt


async def _group(uuid: str) -> ContactGroup:
    async with transaction() as s:
        return (await s.execute(select(ContactGroup).where(ContactGroup.uuid == uuid))).scalar_one()


async def test_groups(api: API) -> None:
    url = "groups.json"
    assert (await api.post(url, {}, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.delete(url, token=api.ws.tokens["agent"])).status_code == 403
    frank = await f.contact(api.ws.org_id, "Frank", urns=["facebook:123456"])
    customers = await f.group(api.ws.org_id, "Customers", [frank])
    developers = await f.group(api.ws.org_id, "Developers", group_type="Q", query='isdeveloper = "YES"')
    assert (await api.client.get("/api/v2/groups.json")).status_code == 403
    dynamic = await f.group(api.ws.org_id, "Big Group", group_type="Q", query='isdeveloper = "NO"')
    initializing = await f.group(api.ws.org_id, "Initializing")
    async with transaction() as s:
        await s.execute(update(ContactGroup).where(ContactGroup.id == dynamic.id).values(status="E"))
        await s.execute(update(ContactGroup).where(ContactGroup.id == initializing.id).values(status="I"))
    spammers = await f.group(api.other.org_id, "Spammers")
    listed = (await api.get(url)).json()["results"]
    open_tickets = listed[-1]  # every workspace has RapidPro's "Open Tickets" system group, oldest
    # an initializing group is not listed
    assert listed == [
        {"uuid": str(dynamic.uuid), "name": "Big Group", "query": 'isdeveloper = "NO"', "status": "evaluating",
         "system": False, "count": 0},
        {"uuid": str(developers.uuid), "name": "Developers", "query": 'isdeveloper = "YES"', "status": "ready",
         "system": False, "count": 0},
        {"uuid": str(customers.uuid), "name": "Customers", "query": None, "status": "ready", "system": False,
         "count": 1},
        {"uuid": open_tickets["uuid"], "name": "Open Tickets", "query": "tickets > 0", "status": "ready",
         "system": True, "count": 0},
    ]  # fmt: skip
    assert ids_of(await api.get(url, uuid=str(customers.uuid))) == [str(customers.uuid)]
    assert ids_of(await api.get(url, name="developers")) == [str(developers.uuid)]
    assert ids_of(await api.get(url, manual_only="1")) == [str(customers.uuid)]
    assert_error(await api.get(url, uuid=str(customers.uuid), name="developers"), None,
                 "You may only specify one of the uuid, name parameters")  # fmt: skip
    assert_error(await api.post(url, {}), "name", "This field is required.")
    resp = await api.post(url, {"name": "Reporters"})
    assert resp.status_code == 201
    reporters = resp.json()
    assert reporters | {"uuid": None} == {"uuid": None, "name": "Reporters", "query": None, "status": "ready",
                                          "system": False, "count": 0}  # fmt: skip
    assert_error(await api.post(url, {"name": "reporters"}), "name", "This field must be unique.")
    assert (await api.post(url, {"name": "Spammers"})).status_code == 201
    assert_error(await api.post(url, {"name": '"People"'}), "name", 'Cannot contain the character: "')
    assert_error(
        await api.post(url, {"name": "x" * 65}), "name", "Ensure this field has no more than 64 characters."
    )
    assert (await api.post(url + f"?uuid={reporters['uuid']}", {"name": "U-Reporters"})).status_code == 200
    assert (await _group(reporters["uuid"])).name == "U-Reporters"
    resp = await api.post(url + f"?uuid={open_tickets['uuid']}", {"name": "Won't work"})
    assert_error(resp, None, "Cannot modify system object.", status=403)
    assert (await api.post(url + f"?uuid={spammers.uuid}", {"name": "Won't work"})).status_code == 404
    assert_error(await api.delete(url), None, "URL must contain one of the following parameters: uuid")
    assert (await api.delete(url, uuid=reporters["uuid"])).status_code == 204
    assert (await _group(reporters["uuid"])).is_active is False
    assert_error(
        await api.delete(url, uuid=open_tickets["uuid"]), None, "Cannot delete system object.", status=403
    )
    flow = await f.flow(api.ws.org_id, "Test")
    trigger = await f.add(Trigger(uuid=f.uid(), org_id=api.ws.org_id, trigger_type="K", keywords=["block_group"],
                                  match_type="F", flow_id=flow.id))  # fmt: skip
    async with transaction() as s:
        await s.execute(insert(trigger_groups).values(trigger_id=trigger.id, group_id=customers.id))
    assert_error(await api.delete(url, uuid=str(customers.uuid)), None,
                 "Group is being used by triggers which must be archived first.")  # fmt: skip
    async with transaction() as s:
        await s.execute(delete(trigger_groups))
    campaign = await f.add(
        Campaign(uuid=f.uid(), org_id=api.ws.org_id, name="Reminders", group_id=customers.id)
    )
    assert_error(await api.delete(url, uuid=str(customers.uuid)), None,
                 "Group is being used by campaigns which must be archived first.")  # fmt: skip
    assert (await _group(str(customers.uuid))).is_active is True
    assert (await api.delete(url, uuid=str(spammers.uuid))).status_code == 404

    # the limit counts this workspace's groups only
    async with transaction() as s:
        await s.execute(delete(Campaign).where(Campaign.id == campaign.id))
    for uuid in (str(customers.uuid), str(developers.uuid), str(dynamic.uuid), str(initializing.uuid)):
        assert (await api.delete(url, uuid=uuid)).status_code in (204, 404)
    await set_org(api.ws.org_id, config={"limits": {"groups": 10}})
    for i in range(10):
        await f.group(api.other.org_id, f"group{i}")
    assert (await api.post(url, {"name": "Reporters"})).status_code == 201
    for i in range(9):
        await f.group(api.ws.org_id, f"group{i}")
    assert_error(await api.post(url, {"name": "One more"}), None,
                 "Cannot create object because workspace has reached limit.", status=409)  # fmt: skip


async def test_labels(api: API) -> None:
    url = "labels.json"
    resp = await api.post(url, {"name": "Interesting"}, token=api.ws.tokens["editor"])
    assert resp.status_code == 201
    label = resp.json()
    assert label | {"uuid": None} == {"uuid": None, "name": "Interesting", "count": 0}
    assert_error(await api.get(url, uuid=label["uuid"], name="interesting"), None,
                 "You may only specify one of the uuid, name parameters")  # fmt: skip
    assert_error(await api.post(url, {}), "name", "This field is required.")
    assert_error(await api.post(url, {"name": "interesting"}), "name", "This field must be unique.")
    assert_error(await api.post(url, {"name": '""'}), "name", 'Cannot contain the character: "')
    assert_error(
        await api.post(url, {"name": "x" * 65}), "name", "Ensure this field has no more than 64 characters."
    )
    other = (await api.post(url, {"name": "Spam"}, token=api.other.token)).json()
    assert (await api.post(url + f"?uuid={other['uuid']}", {"name": "Won't work"})).status_code == 404
    assert_error(await api.delete(url), None, "URL must contain one of the following parameters: uuid")
    assert (await api.delete(url, uuid=other["uuid"])).status_code == 404
    assert (await api.delete(url, uuid=label["uuid"])).status_code == 204
    assert ids_of(await api.get(url)) == []


async def test_labels_listing_permissions_rename_and_limit(api: API) -> None:
    url = "labels.json"
    for call in (api.get(url, token=api.ws.tokens["agent"]), api.post(url, {"name": "X"}, token=api.ws.tokens["agent"]),
                 api.delete(url, token=api.ws.tokens["agent"], uuid="123")):  # fmt: skip
        assert (await call).status_code == 403
    frank = await f.contact(api.ws.org_id, "Frank", urns=["tel:123456"])
    important = await f.add(Label(uuid=f.uid(), org_id=api.ws.org_id, name="Important"))
    feedback = await f.add(Label(uuid=f.uid(), org_id=api.ws.org_id, name="Feedback"))
    await f.add(Label(uuid=f.uid(), org_id=api.ws.org_id, name="Deleted", is_active=False))
    spam = await f.add(Label(uuid=f.uid(), org_id=api.other.org_id, name="Spam"))
    msg = await f.msg(api.ws.org_id, frank, "Hello")
    async with transaction() as s:
        await s.execute(msg_labels.insert().values(label_id=important.id, msg_id=msg.id))
    for role in ("editor", "administrator"):
        assert (await api.get(url, token=api.ws.tokens[role])).json()["results"] == [
            {"uuid": str(feedback.uuid), "name": "Feedback", "count": 0},
            {"uuid": str(important.uuid), "name": "Important", "count": 1},
        ]
    assert ids_of(await api.get(url, uuid=str(feedback.uuid))) == [str(feedback.uuid)]
    assert ids_of(await api.get(url, name="important")) == [str(important.uuid)]
    assert (await api.post(url, {"name": "Spam"})).status_code == 201  # another workspace's name is free
    resp = await api.post(url, {"name": "More Important"}, uuid=str(important.uuid))
    assert resp.status_code == 200 and resp.json() == {"uuid": str(important.uuid), "name": "More Important",
                                                       "count": 1}  # fmt: skip
    assert (await api.post(url, {"name": "Won't work"}, uuid=str(spam.uuid))).status_code == 404
    assert (await api.delete(url, uuid=str(feedback.uuid))).status_code == 204
    async with transaction() as s:
        assert (await s.get(Label, feedback.id)).is_active is False  # type: ignore[union-attr]
    await set_org(api.ws.org_id, config={"limits": {"labels": 2}})  # the active ones: Important and Spam
    resp = await api.post(url, {"name": "Interesting"})
    assert_error(resp, None, "Cannot create object because workspace has reached limit.", status=409)


async def test_campaigns(api: API) -> None:
    url = "campaigns.json"
    for token in (None, api.ws.tokens["agent"]):
        headers = api.headers(token) if token else {}
        assert (await api.client.get("/api/v2/campaigns.json", headers=headers)).status_code == 403
        assert (await api.client.post("/api/v2/campaigns.json", json={}, headers=headers)).status_code == 403
    assert (await api.delete(url)).status_code == 405
    reporters = await f.group(api.ws.org_id, "Reporters")
    other_group = await f.group(api.ws.org_id, "Others")
    spammers = await f.group(api.other.org_id, "Spammers")
    first = (await api.post(url, {"name": "Reminders #1", "group": str(reporters.uuid)})).json()
    second = (await api.post(url, {"name": "Reminders #2", "group": str(reporters.uuid)})).json()
    for token in (api.ws.tokens["editor"], api.ws.token):
        assert (await api.get(url, token=token)).json()["results"] == [
            {"uuid": second["uuid"], "name": "Reminders #2", "archived": False,
             "group": {"uuid": str(reporters.uuid), "name": "Reporters"}, "created_on": second["created_on"]},
            {"uuid": first["uuid"], "name": "Reminders #1", "archived": False,
             "group": {"uuid": str(reporters.uuid), "name": "Reporters"}, "created_on": first["created_on"]},
        ]  # fmt: skip
    assert ids_of(await api.get(url, uuid=first["uuid"])) == [first["uuid"]]
    assert_errors(await api.post(url, {}, token=api.ws.tokens["editor"]),
                  {"name": "This field is required.", "group": "This field is required."})  # fmt: skip
    resp = await api.post(url, {"name": "Reminders #3", "group": str(reporters.uuid)})
    assert resp.status_code == 201
    campaign: dict[str, Any] = resp.json()
    async with transaction() as s:
        stored = (await s.execute(select(Campaign).where(Campaign.uuid == campaign["uuid"]))).scalar_one()
    assert campaign == {
        "uuid": stored.uuid, "name": "Reminders #3", "archived": False,
        "group": {"uuid": str(reporters.uuid), "name": "Reporters"}, "created_on": fmt_dt(stored.created_on)}  # fmt: skip
    await f.field(api.ws.org_id, "field1", "Field1", value_type="D")
    await f.field(api.ws.org_id, "field2", "Field2", value_type="D")
    event_uuids = []
    for key, text in (("field1", "1"), ("field2", "2")):
        resp = await api.post("campaign_events.json", {"campaign": campaign["uuid"], "relative_to": key, "offset": 1,
                                                       "unit": "weeks", "delivery_hour": -1, "message": text})  # fmt: skip
        assert resp.status_code == 201
        event_uuids.append(resp.json()["uuid"])
    resp = await api.post(url, {"name": "Reminders #3", "group": str(reporters.uuid)})
    assert_error(resp, "name", "This field must be unique.")
    spam = (await api.post(url, {"name": "Spam", "group": str(spammers.uuid)}, token=api.other.token)).json()
    assert (await api.post(url, {"name": "Spam", "group": str(reporters.uuid)})).status_code == 201
    resp = await api.post(url, {"name": "x" * 65, "group": str(reporters.uuid)})
    assert_error(resp, "name", "Ensure this field has no more than 64 characters.")
    # mailroom has scheduled the new events
    async with transaction() as s:
        await s.execute(update(CampaignEvent).where(CampaignEvent.uuid.in_(event_uuids)).values(status="R"))
    await drain(api.ws.org_id)
    resp = await api.post(
        url + f"?uuid={campaign['uuid']}", {"name": "Reminders III", "group": str(other_group.uuid)}
    )
    assert resp.status_code == 200 and resp.json()["group"]["uuid"] == str(other_group.uuid)
    async with transaction() as s:
        stored = (await s.execute(select(Campaign).where(Campaign.uuid == campaign["uuid"]))).scalar_one()
        events = (
            await s.execute(select(CampaignEvent).where(CampaignEvent.uuid.in_(event_uuids)).order_by(CampaignEvent.id))
        ).scalars().all()  # fmt: skip
        assert (stored.name, stored.group_id) == ("Reminders III", other_group.id)
        # another group: both events are rescheduled (a new fire version each, being scheduled again), as
        # RapidPro's schedule_async, and mailroom is asked to schedule each
        assert [(e.fire_version, e.status) for e in events] == [(2, "S"), (2, "S")]
    assert [(t.type, t.task) for t in await drain(api.ws.org_id)] == [
        ("schedule_campaign_event", {"event_id": e.id}) for e in events
    ]
    resp = await api.post(url + f"?uuid={spam['uuid']}", {"name": "Won't work", "group": str(spammers.uuid)})
    assert resp.status_code == 404
    assert ids_of(await api.get(url, uuid=campaign["uuid"])) == [campaign["uuid"]]
    # neither a deleted nor an archived campaign can be updated
    for values in ({"is_active": False}, {"is_active": True, "is_archived": True}):
        async with transaction() as s:
            await s.execute(update(Campaign).where(Campaign.uuid == first["uuid"]).values(**values))
        resp = await api.post(
            url + f"?uuid={first['uuid']}", {"name": "Won't work", "group": str(reporters.uuid)}
        )
        assert resp.status_code == 404


async def test_globals_listing_permissions_and_dates(api: API) -> None:
    url = "globals.json"
    for call in (
        api.get(url, token=api.ws.tokens["agent"]),
        api.post(url, {"name": "X"}, token=api.ws.tokens["agent"]),
    ):
        assert (await call).status_code == 403
    assert (await api.delete(url)).status_code == 405
    # a deleted global is not listed (RapidPro's is org_name itself, brought back by get_or_create; our key is
    # unique among deleted ones too)
    await f.add(
        Global(
            uuid=f.uid(), org_id=api.ws.org_id, key="old_name", name="Old Name", value="x", is_active=False
        )
    )
    global1 = await f.add(
        Global(uuid=f.uid(), org_id=api.ws.org_id, key="org_name", name="Org Name", value="Acme Ltd")
    )
    global2 = await f.add(Global(uuid=f.uid(), org_id=api.ws.org_id, key="access_token", name="Access Token",
                                 value="23464373", modified_on=global1.modified_on + timedelta(seconds=1)))  # fmt: skip
    global3 = await f.add(
        Global(uuid=f.uid(), org_id=api.other.org_id, key="thingy", name="Thingy", value="xyz")
    )
    for role in ("editor", "administrator"):
        assert (await api.get(url, token=api.ws.tokens[role])).json()["results"] == [
            {"key": "access_token", "name": "Access Token", "value": "23464373",
             "modified_on": fmt_dt(global2.modified_on)},
            {"key": "org_name", "name": "Org Name", "value": "Acme Ltd", "modified_on": fmt_dt(global1.modified_on)},
        ]  # fmt: skip
    assert ids_of(await api.get(url, token=api.other.token), "key") == [global3.key]
    assert ids_of(await api.get(url, key="org_name"), "key") == ["org_name"]
    assert ids_of(await api.get(url, before=fmt_dt(global1.modified_on)), "key") == ["org_name"]
    assert ids_of(await api.get(url, after=fmt_dt(global1.modified_on)), "key") == [
        "access_token",
        "org_name",
    ]
    assert (await api.post(url, {"value": "Acme LLC"}, key="org_name")).status_code == 200
    async with transaction() as s:
        assert (await s.get(Global, global1.id)).value == "Acme LLC"  # type: ignore[union-attr]


async def test_globals(api: API) -> None:
    url = "globals.json"
    resp = await api.post(url, {"name": "Org Name", "value": "Acme Ltd"})
    assert resp.status_code == 201
    assert (await api.post(url + "?key=org_name", {"value": "Acme LLC"})).json()["value"] == "Acme LLC"
    assert ids_of(await api.get(url, key="org_name"), "key") == ["org_name"]
    assert_error(
        await api.post(url, {"value": "yes"}),
        "non_field_errors",
        "Name is required when creating new global.",
    )
    assert_error(await api.post(url, {"name": "!!!#$%^"}), "name", "Name contains illegal characters.")
    assert_error(
        await api.post(url, {"name": "2cool key", "value": "23464373"}),
        "name",
        "Name creates Key that is invalid",
    )
    assert_error(
        await api.post(url, {"name": "x" * 37}), "name", "Ensure this field has no more than 36 characters."
    )
    resp = await api.post(url, {"name": "New Global", "value": "23464373"})
    assert resp.status_code == 201
    assert resp.json() | {"modified_on": None} == {"key": "new_global", "name": "New Global", "value": "23464373",
                                                   "modified_on": None}  # fmt: skip
    await set_org(api.ws.org_id, config={"limits": {"globals": 2}})
    resp = await api.post(url, {"name": "Website URL", "value": "http://example.com"})
    assert_error(resp, None, "Cannot create object because workspace has reached limit.", status=409)


async def test_resthook_subscribers(api: API) -> None:
    url = "resthook_subscribers.json"
    await f.add(Resthook(org_id=api.ws.org_id, slug="new-mother"))
    assert_errors(
        await api.post(url, {}),
        {"resthook": "This field is required.", "target_url": "This field is required."},
    )
    resp = await api.post(url, {"resthook": "spam", "target_url": "https://foo.bar/"})
    assert_error(resp, "resthook", "No resthook with slug: spam")
    resp = await api.post(url, {"resthook": "new-mother", "target_url": "https://foo.bar/"})
    assert resp.status_code == 201
    assert_error(await api.delete(url), None, "URL must contain one of the following parameters: id")
    other = await f.add(Resthook(org_id=api.other.org_id, slug="other"))
    assert other
    assert (await api.delete(url, id="9999")).status_code == 404
    assert (await api.delete(url, id=str(resp.json()["id"]))).status_code == 204
