from tests.web.api import factories as f
from tests.web.api.conftest import API


async def test_groups_list_create_update_delete(api: API) -> None:
    bob = await f.contact(api.ws.org_id, "Bob")
    testers = await f.group(api.ws.org_id, "Testers", [bob])
    smart = await f.group(api.ws.org_id, "Adults", group_type="Q", query="age > 18")
    await f.group(api.other.org_id, "Theirs")
    results = (await api.get("groups.json")).json()["results"]
    assert results == [
        {
            "uuid": smart.uuid,
            "name": "Adults",
            "query": "age > 18",
            "status": "ready",
            "system": False,
            "count": 0,
        },
        {
            "uuid": testers.uuid,
            "name": "Testers",
            "query": None,
            "status": "ready",
            "system": False,
            "count": 1,
        },
        # every workspace's system group, as RapidPro lists it
        {
            "uuid": results[2]["uuid"],
            "name": "Open Tickets",
            "query": "tickets > 0",
            "status": "ready",
            "system": True,
            "count": 0,
        },
    ]
    assert [g["name"] for g in (await api.get("groups.json", name="TESTERS")).json()["results"]] == [
        "Testers"
    ]
    assert [g["name"] for g in (await api.get("groups.json", manual_only="1")).json()["results"]] == [
        "Testers"
    ]
    resp = await api.get("groups.json", uuid=testers.uuid, name="Testers")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "You may only specify one of the uuid, name parameters"}

    resp = await api.post("groups.json", {"name": "Reporters"})
    assert resp.status_code == 201
    new = resp.json()
    assert new["name"] == "Reporters" and new["count"] == 0 and new["query"] is None
    assert (await api.post("groups.json", {"name": "reporters"})).json() == {
        "name": ["This field must be unique."]
    }
    assert (await api.post("groups.json", {})).json() == {"name": ["This field is required."]}
    resp = await api.post("groups.json", {"name": "Journalists"}, uuid=new["uuid"])
    assert resp.status_code == 200 and resp.json()["name"] == "Journalists"
    assert (await api.delete("groups.json", uuid=new["uuid"])).status_code == 204
    assert (await api.delete("groups.json", uuid=new["uuid"])).status_code == 404
    assert (await api.get("groups.json", uuid=new["uuid"])).json()["results"] == []


async def test_group_limit_409(api: API) -> None:
    from upesi.db.engine import transaction
    from upesi.db.models import Org

    async with transaction() as s:
        org = await s.get(Org, api.ws.org_id)
        org.config = {"limits": {"groups": 1}}
    assert (await api.post("groups.json", {"name": "One"})).status_code == 201
    resp = await api.post("groups.json", {"name": "Two"})
    assert resp.status_code == 409
    assert resp.json() == {"detail": "Cannot create object because workspace has reached limit."}


async def test_groups_isolation_and_roles(api: API) -> None:
    theirs = await f.group(api.other.org_id, "Theirs")
    assert (await api.post("groups.json", {"name": "X"}, uuid=theirs.uuid)).status_code == 404
    assert (await api.delete("groups.json", uuid=theirs.uuid)).status_code == 404
    assert (await api.get("groups.json", token=api.ws.tokens["agent"])).status_code == 200
    assert (await api.post("groups.json", {"name": "X"}, token=api.ws.tokens["agent"])).status_code == 403


async def test_fields(api: API) -> None:
    resp = await api.post("fields.json", {"name": "Date Of Birth", "type": "datetime"})
    assert resp.status_code == 201, resp.text
    assert resp.json() == {
        "key": "date_of_birth", "name": "Date Of Birth", "type": "datetime", "featured": False, "priority": 0,
        "usages": {"flows": 0, "groups": 0, "campaign_events": 0}, "agent_access": "view",
        "label": "Date Of Birth", "value_type": "datetime",
    }  # fmt: skip
    resp = await api.post("fields.json", {"name": "Shoe Size", "type": "number"})
    assert resp.json()["value_type"] == "numeric"
    assert (await api.post("fields.json", {"name": "Shoe Size", "type": "number"})).status_code == 400
    bad = await api.post("fields.json", {"name": "Language", "type": "color"})
    assert bad.json() == {
        "type": ['"color" is not a valid choice.'],
        "name": ['Generated key "language" is invalid or a reserved name.'],
    }
    resp = await api.post("fields.json", {"name": "Birthday", "type": "datetime"}, key="date_of_birth")
    assert (
        resp.status_code == 200
        and resp.json()["name"] == "Birthday"
        and resp.json()["key"] == "date_of_birth"
    )
    assert [x["key"] for x in (await api.get("fields.json")).json()["results"]] == [
        "shoe_size",
        "date_of_birth",
    ]
    assert [x["key"] for x in (await api.get("fields.json", key="shoe_size")).json()["results"]] == [
        "shoe_size"
    ]
    assert (await api.get("fields.json", token=api.other.token)).json()["results"] == []
    assert (
        await api.post("fields.json", {"name": "X"}, key="shoe_size", token=api.other.token)
    ).status_code == 404
    assert (
        await api.post("fields.json", {"name": "Y", "type": "text"}, token=api.ws.tokens["agent"])
    ).status_code == 403
