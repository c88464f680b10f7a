"""contact_actions: RapidPro's test_contact_actions.py assertions, ported."""

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error
from tests.web.api.test_actions import drain
from upesi.db.engine import transaction
from upesi.db.models import Contact, Msg, contact_group_contacts


async def _members(group_id: int) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(contact_group_contacts.c.contact_id).where(contact_group_contacts.c.group_id == group_id)
        )
        return set(rows.scalars())


async def _visibilities(msgs: dict[int, Msg]) -> dict[int, str]:
    async with transaction() as s:
        rows = await s.execute(
            select(Msg.id, Msg.visibility).where(Msg.id.in_([m.id for m in msgs.values()]))
        )
        by_id = dict(rows.all())
    return {contact_id: by_id[m.id] for contact_id, m in msgs.items()}


async def test_endpoint(api: API) -> None:
    c1 = await f.contact(api.ws.org_id, "Ann", urns=["tel:+250788000001"])
    c2 = await f.contact(api.ws.org_id, "Bob", urns=["tel:+250788000002"])
    c3 = await f.contact(api.ws.org_id, "Cat", urns=["tel:+250788000003"])
    c4 = await f.contact(api.ws.org_id, "Don", urns=["tel:+250788000004"], status="B")
    c5 = await f.contact(api.ws.org_id, "Eve", urns=["tel:+250788000005"], is_active=False)
    group = await f.group(api.ws.org_id, "Testers")
    await f.group(api.ws.org_id, "Developers", group_type="Q", query="isdeveloper = YES")
    other_group = await f.group(api.other.org_id, "Testers")

    assert (await api.get("contact_actions.json")).status_code == 405
    # an agent may act on contacts (RapidPro refuses only the anonymous)
    assert (await api.post("contact_actions.json", {}, token=api.ws.tokens["agent"])).status_code == 400
    assert (await api.delete("contact_actions.json")).status_code == 405
    assert (await api.client.post("/api/v2/contact_actions.json", json={})).status_code == 403
    # incoming messages of four of them
    msgs = {c.id: await f.msg(api.ws.org_id, c, "Hello") for c in (c1, c2, c3, c4)}

    resp = await api.post("contact_actions.json", {"contacts": [str(x) for x in range(101)], "action": "add",
                                                   "group": "Testers"}, token=api.ws.tokens["agent"])  # fmt: skip
    assert_error(resp, "contacts", "Ensure this field has no more than 100 elements.")

    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid, "tel:+250788000002", c3.uuid, c4.uuid, c5.uuid],
                                                   "action": "add", "group": "Testers"})  # fmt: skip
    assert_error(resp, "contacts", f"No such object: {c5.uuid}")

    # a blocked contact can't be added to a group, and nobody else is added either
    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid, c2.uuid, c3.uuid, c4.uuid],
                                                   "action": "add", "group": "Testers"})  # fmt: skip
    assert_error(resp, "non_field_errors", f"Non-active contacts cannot be added to groups: {c4.uuid}")
    assert await _members(group.id) == set()

    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid, "tel:+250788000002"], "action": "add",
                                                   "group": "Testers"})  # fmt: skip
    assert resp.status_code == 204
    assert await _members(group.id) == {c1.id, c2.id}

    resp = await api.post(
        "contact_actions.json", {"contacts": [c1.uuid], "action": "add", "group": "Spammers"}
    )
    assert_error(resp, "group", "No such object: Spammers")
    resp = await api.post(
        "contact_actions.json", {"contacts": [c1.uuid], "action": "add", "group": "Developers"}
    )
    assert_error(resp, "group", "Contact group must not be query based: Developers")
    resp = await api.post(
        "contact_actions.json", {"contacts": [c3.uuid], "action": "add", "group": group.uuid}
    )
    assert resp.status_code == 204 and await _members(group.id) == {c1.id, c2.id, c3.id}
    missing = "15611256-95b5-46d5-b857-abafe0d32fe9"
    resp = await api.post("contact_actions.json", {"contacts": [c3.uuid], "action": "add", "group": missing})
    assert_error(resp, "group", f"No such object: {missing}")
    resp = await api.post(
        "contact_actions.json", {"contacts": [c3.uuid], "action": "add", "group": other_group.uuid}
    )
    assert_error(resp, "group", f"No such object: {other_group.uuid}")

    resp = await api.post(
        "contact_actions.json", {"contacts": [c2.uuid], "action": "remove", "group": "testers"}
    )
    assert resp.status_code == 204 and await _members(group.id) == {c1.id, c3.id}
    resp = await api.post(
        "contact_actions.json", {"contacts": [c3.uuid], "action": "remove", "group": group.uuid}
    )
    assert resp.status_code == 204 and await _members(group.id) == {c1.id}

    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid], "action": "add"})
    assert_error(resp, "non_field_errors", 'For action "add" you should also specify a group')
    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid], "action": "add", "group": ""})
    assert_error(resp, "group", "This field may not be null.")

    resp = await api.post(
        "contact_actions.json", {"contacts": [c1.uuid, c2.uuid, c3.uuid, c4.uuid], "action": "block"}
    )
    assert resp.status_code == 204
    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid], "action": "unblock"})
    assert resp.status_code == 204
    async with transaction() as s:
        statuses = dict(
            (await s.execute(select(Contact.id, Contact.status).where(Contact.org_id == api.ws.org_id))).all()
        )
    # the deleted contact keeps its active status
    assert [statuses[c.id] for c in (c1, c2, c3, c4, c5)] == ["A", "B", "B", "B", "A"]

    # interrupt contacts 1 and 2: one task for mailroom, which ends their sessions
    await drain(api.ws.org_id)
    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid, c2.uuid], "action": "interrupt"})
    assert resp.status_code == 204
    assert [(t.type, t.task) for t in await drain(api.ws.org_id)] == [
        ("interrupt_contacts", {"contact_ids": [c1.id, c2.id]})
    ]

    # archive the incoming messages of contacts 1 and 2
    resp = await api.post(
        "contact_actions.json", {"contacts": [c1.uuid, c2.uuid], "action": "archive_messages"}
    )
    assert resp.status_code == 204
    assert await _visibilities(msgs) == {c1.id: "A", c2.id: "A", c3.id: "V", c4.id: "V"}

    resp = await api.post(
        "contact_actions.json", {"contacts": [c3.uuid], "action": "block", "group": "Testers"}
    )
    assert_error(resp, "non_field_errors", 'For action "block" you should not specify a group')
    # acting on no contacts is refused
    resp = await api.post("contact_actions.json", {"contacts": [], "action": "block"})
    assert_error(resp, "contacts", "Contacts can't be empty.")
    resp = await api.post("contact_actions.json", {"contacts": [c3.uuid], "action": "like"})
    assert_error(resp, "action", '"like" is not a valid choice.')

    resp = await api.post("contact_actions.json", {"contacts": [c1.uuid, c2.uuid], "action": "delete"})
    assert resp.status_code == 204
    async with transaction() as s:
        active = set(
            (
                await s.execute(select(Contact.id).where(Contact.org_id == api.ws.org_id, Contact.is_active))
            ).scalars()
        )
    assert active == {c3.id, c4.id}
    async with transaction() as s:
        inactive = set(
            (
                await s.execute(
                    select(Contact.id).where(Contact.org_id == api.ws.org_id, Contact.is_active.is_(False))
                )
            ).scalars()
        )
    assert inactive == {c1.id, c2.id, c5.id}
    # their messages are deleted with them
    assert await _visibilities(msgs) == {c1.id: "D", c2.id: "D", c3.id: "V", c4.id: "V"}
