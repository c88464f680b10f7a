"""Compatibility details clients rely on: anonymous workspaces, 1/0 booleans, dependencies in
definitions, lookups and error bodies."""

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import ContactURN, FlowRevision, Org


async def test_anonymous_workspace_redacts_urns_and_refuses_urn_lookups(api: API) -> None:
    async with transaction() as s:
        (await s.get(Org, api.ws.org_id)).is_anon = True
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    async with transaction() as s:
        urn_id = (await s.execute(select(ContactURN.id).where(ContactURN.contact_id == bob.id))).scalar_one()
    await f.msg(api.ws.org_id, bob, "hi", contact_urn_id=urn_id)
    c = (await api.get("contacts.json")).json()["results"][0]
    assert c["urns"] == ["tel:********"]
    assert c["anon_display"] == f"{bob.id:010d}"
    assert (await api.get("messages.json")).json()["results"][0]["urn"] == "tel:********"
    resp = await api.get("contacts.json", urn="tel:+250788123123")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "URN lookups not allowed for anonymous organizations"}
    assert (await api.get("workspace.json")).json()["anon"] is True


async def test_booleans_accept_one_and_zero(api: API) -> None:
    await f.flow(api.ws.org_id, "Live")
    await f.flow(api.ws.org_id, "Old", archived=True)
    assert [x["name"] for x in (await api.get("flows.json", archived="1")).json()["results"]] == ["Old"]
    assert [x["name"] for x in (await api.get("flows.json", archived="0")).json()["results"]] == ["Live"]
    assert [x["name"] for x in (await api.get("flows.json", archived="false")).json()["results"]] == ["Live"]
    flow = await f.flow(api.ws.org_id, "Start me")
    resp = await api.post("flow_starts.json", {"flow": flow.uuid, "urns": ["tel:+250788123123"], "exclude_active": 1,
                                               "restart_participants": "false"})  # fmt: skip
    assert resp.status_code == 201
    assert resp.json()["exclude_active"] is True and resp.json()["restart_participants"] is False
    bad = await api.post(
        "flow_starts.json", {"flow": flow.uuid, "urns": ["tel:+250788123123"], "exclude_active": "maybe"}
    )
    assert bad.json() == {"exclude_active": ["Must be a valid boolean."]}


async def test_definitions_follow_dependencies(api: API) -> None:
    child = await f.flow(api.ws.org_id, "Child")
    parent = await f.flow(api.ws.org_id, "Parent")
    g = await f.group(api.ws.org_id, "Mothers")
    await f.field(api.ws.org_id, "edd", "EDD", "D")
    definition = dict(f.FLOW_DEF, uuid=parent.uuid, name="Parent")
    definition["nodes"] = [
        {"uuid": f.uid(), "exits": [], "actions": [
            {"type": "enter_flow", "uuid": f.uid(), "flow": {"uuid": child.uuid, "name": "Child"}},
            {"type": "add_contact_groups", "uuid": f.uid(), "groups": [{"uuid": g.uuid, "name": "Mothers"}]},
            {"type": "set_contact_field", "uuid": f.uid(), "field": {"key": "edd", "name": "EDD"}, "value": "x"},
        ]}
    ]  # fmt: skip
    async with transaction() as s:
        s.add(FlowRevision(flow_id=parent.id, revision=2, spec_version="14.4.2", definition=definition))

    everything = (await api.get("definitions.json", flow=parent.uuid)).json()
    assert sorted(fl["name"] for fl in everything["flows"]) == ["Child", "Parent"]
    assert everything["groups"] == [{"uuid": g.uuid, "name": "Mothers", "query": None}]
    assert everything["fields"] == [{"key": "edd", "name": "EDD", "type": "datetime"}]
    flows_only = (await api.get("definitions.json", flow=parent.uuid, dependencies="flows")).json()
    assert (
        sorted(fl["name"] for fl in flows_only["flows"]) == ["Child", "Parent"] and flows_only["groups"] == []
    )
    none = (await api.get("definitions.json", flow=parent.uuid, dependencies="none")).json()
    assert [fl["name"] for fl in none["flows"]] == ["Parent"]


async def test_errors_and_lookups(api: API) -> None:
    resp = await api.client.post("/api/v2/groups.json", content=b"{not json", headers=api.headers())
    assert resp.status_code == 400 and resp.json()["detail"].startswith("JSON parse error")
    resp = await api.client.post("/api/v2/groups.json", json=[1, 2], headers=api.headers())
    assert resp.json() == {"non_field_errors": ["Request body should be a single JSON object"]}
    resp = await api.post("groups.json", {"name": "x"}, uuid="not-a-uuid")
    assert resp.json() == {"detail": "Param 'uuid': not-a-uuid is not a valid UUID."}
    resp = await api.client.get(
        "/api/v2/contacts.json", params=[("uuid", f.uid()) for _ in range(101)], headers=api.headers()
    )
    assert resp.status_code == 400
    assert (await api.delete("groups.json")).json() == {
        "detail": "URL must contain one of the following parameters: uuid"
    }
    resp = await api.get("runs.json", flow=f.uid(), contact=f.uid())
    assert resp.json() == {"detail": "You may only specify one of the contact, flow parameters"}


async def test_anonymous_workspace_refuses_broadcast_urns(api: API) -> None:
    async with transaction() as s:
        (await s.get(Org, api.ws.org_id)).is_anon = True
    resp = await api.post("broadcasts.json", {"urns": ["tel:+250788123123"], "text": "hi"})
    assert resp.status_code == 400
    assert resp.json()["urns"] == ["Referencing by URN not allowed for anonymous organizations"]


async def test_urn_claimed_between_validation_and_write_is_refused(api: API) -> None:
    """The upsert only takes orphaned URNs or the contact's own; anything else is a 400 and nothing is left behind."""

    from upesi.db.models import Contact
    from upesi.urns import parse_urn
    from web.api.v2.auth import APIContext
    from web.api.v2.contact_writes import ContactChanges, apply_changes
    from web.api.v2.errors import APIError

    owner = await f.contact(api.ws.org_id, "Owner", ["tel:+250788123123"])
    async with transaction() as s:
        org = await s.get(Org, api.ws.org_id)
    ctx = APIContext(org=org, user=None, role="administrator", token_id=0)  # type: ignore[arg-type]
    try:
        async with transaction() as s:
            await apply_changes(
                s, ctx, None, ContactChanges(name="Thief", urns=[parse_urn("tel:+250788123123")])
            )
        raise AssertionError("expected a 400")
    except APIError as e:
        assert e.status == 400 and e.body == {"urns": {"0": ["URN is in use by another contact."]}}
    async with transaction() as s:
        names = (await s.execute(select(Contact.name).where(Contact.org_id == api.ws.org_id))).scalars().all()
    assert names == [owner.name]


async def test_form_encoded_bodies(api: API) -> None:
    resp = await api.client.post(
        "/api/v2/broadcasts.json", data={"urns": ["tel:+250788123123", "tel:+250788123124"], "text": "Hi"},
        headers=api.headers(),
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    assert resp.json()["urns"] == ["tel:+250788123123", "tel:+250788123124"]
    resp = await api.client.post("/api/v2/groups.json", data={"name": "Form"}, headers=api.headers())
    assert resp.status_code == 201 and resp.json()["name"] == "Form"


async def test_concurrent_creates_with_the_same_name_give_one_object(api: API) -> None:
    import asyncio

    responses = await asyncio.gather(*(api.post("groups.json", {"name": "Same"}) for _ in range(4)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1
    assert set(codes) <= {201, 400, 409}
    assert [g["name"] for g in (await api.get("groups.json")).json()["results"]] == ["Same", "Open Tickets"]
