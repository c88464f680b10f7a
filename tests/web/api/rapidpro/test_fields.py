"""fields: RapidPro's test_fields.py assertions, ported."""

from sqlalchemy import select, update

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of, set_org
from upesi.db.engine import transaction
from upesi.db.models import Campaign, CampaignEvent, ContactField


async def _field(org_id: int, key: str) -> ContactField:
    async with transaction() as s:
        return (
            await s.execute(
                select(ContactField).where(ContactField.org_id == org_id, ContactField.key == key)
            )
        ).scalar_one()


async def test_endpoint(api: API) -> None:
    url = "fields.json"
    assert (await api.post(url, {}, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.delete(url)).status_code == 405
    nick = await f.field(api.ws.org_id, "nick_name", "Nick Name")
    async with transaction() as s:  # agents may edit it (RapidPro's agent_access=ACCESS_EDIT)
        await s.execute(update(ContactField).where(ContactField.id == nick.id).values(agent_access="E"))
    registered = await f.field(api.ws.org_id, "registered", "Registered On", value_type="D")
    await f.field(api.other.org_id, "not_ours", "Something Else")
    farmers = await f.group(api.ws.org_id, "Farmers")
    campaign = await f.add(
        Campaign(uuid=f.uid(), org_id=api.ws.org_id, name="Reminders", group_id=farmers.id)
    )
    for offset in (1, 2):
        await f.add(CampaignEvent(uuid=f.uid(), org_id=api.ws.org_id, campaign_id=campaign.id, offset=offset,
                                  unit="W", relative_to_id=registered.id, relative_to_key="registered"))  # fmt: skip

    resp = await api.get(url)
    assert ids_of(resp, "key") == ["registered", "nick_name"]
    first = resp.json()["results"][0]
    assert (first["name"], first["type"], first["label"], first["value_type"]) == (
        "Registered On", "datetime", "Registered On", "datetime")  # fmt: skip
    assert first["usages"]["campaign_events"] == 2
    assert [r["agent_access"] for r in resp.json()["results"]] == ["view", "edit"]
    assert resp.json()["results"][1] | {"usages": None} == {
        "key": "nick_name", "name": "Nick Name", "type": "text", "featured": False, "priority": 0, "usages": None,
        "agent_access": "edit", "label": "Nick Name", "value_type": "text"}  # fmt: skip
    assert ids_of(await api.get(url, key="nick_name"), "key") == [nick.key]

    assert_error(await api.post(url, {}), "non_field_errors", "Field 'name' is required.")
    assert_error(await api.post(url, {"name": "goats"}), "non_field_errors", "Field 'type' is required.")
    assert_errors(await api.post(url, {"name": "!@#$%", "type": "video"}), {
        "name": "Can only contain letters, numbers and hypens.", "type": '"video" is not a valid choice.'})  # fmt: skip
    # the deprecated names are still taken, and errors are named by them
    assert_errors(await api.post(url, {"label": "!@#$%", "value_type": "video"}), {
        "label": "Can only contain letters, numbers and hypens.", "value_type": '"video" is not a valid choice.'})  # fmt: skip
    assert_error(await api.post(url, {"name": "HAS", "type": "text"}), "name",
                 'Generated key "has" is invalid or a reserved name.')  # fmt: skip
    assert_error(
        await api.post(url, {"label": "nick name", "value_type": "text"}),
        "label",
        "This field must be unique.",
    )

    resp = await api.post(url, {"name": "Age", "type": "number"}, token=api.ws.tokens["editor"])
    assert resp.status_code == 201 and (await _field(api.ws.org_id, "age")).value_type == "N"
    resp = await api.post(url, {"label": "Weight", "value_type": "numeric"})
    assert resp.status_code == 201 and (await _field(api.ws.org_id, "weight")).value_type == "N"

    resp = await api.post(url + "?key=age", {"name": "Real Age", "type": "datetime"})
    assert resp.status_code == 200
    age = await _field(api.ws.org_id, "age")
    assert (age.name, age.value_type) == ("Real Age", "D")
    assert (await api.post(url + "?key=not_ours", {"name": "Something", "type": "text"})).status_code == 404

    # a date field that campaign events use keeps its type
    resp = await api.post(url + "?key=registered", {"name": "Registered", "type": "text"})
    assert_error(resp, "type", "Can't change type of date field being used by campaign events.")
    assert (await _field(api.ws.org_id, "registered")).value_type == "D"
    resp = await api.post(url + "?key=registered", {"name": "Registered", "type": "datetime"})
    assert resp.status_code == 200


async def test_limit(api: API) -> None:
    await set_org(api.ws.org_id, config={"limits": {"fields": 2}})
    for i in range(2):
        await f.field(api.ws.org_id, f"field{i}", f"Field{i}")
    resp = await api.post("fields.json", {"label": "Age", "value_type": "numeric"})
    assert_error(resp, None, "Cannot create object because workspace has reached limit.", status=409)
