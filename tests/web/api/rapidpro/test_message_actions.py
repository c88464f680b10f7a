"""message_actions: RapidPro's test_message_actions.py assertions, ported."""

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error
from upesi.db.engine import transaction
from upesi.db.models import Label, Msg, msg_labels


async def _labelled(label_name: str) -> set[int]:
    async with transaction() as s:
        rows = await s.execute(
            select(msg_labels.c.msg_id)
            .join(Label, Label.id == msg_labels.c.label_id)
            .where(Label.name == label_name)
        )
        return set(rows.scalars())


async def _visibility() -> dict[int, str]:
    async with transaction() as s:
        return dict((await s.execute(select(Msg.id, Msg.visibility))).all())


async def test_endpoint(api: API) -> None:
    url = "message_actions.json"
    assert (await api.get(url)).status_code == 405
    assert (await api.delete(url)).status_code == 405
    assert (await api.client.post("/api/v2/message_actions.json", json={})).status_code == 403
    assert (await api.post(url, {}, token=api.ws.tokens["agent"])).status_code == 403
    joe = await f.contact(api.ws.org_id, "Joe")
    msg1, msg2, msg3 = [(await f.msg(api.ws.org_id, joe, f"Msg {i}")).id for i in range(1, 4)]
    label = await f.add(Label(uuid=f.uid(), org_id=api.ws.org_id, name="Test"))

    resp = await api.post(
        url, {"messages": [msg1, msg2], "action": "label", "label": "Test"}, token=api.ws.tokens["editor"]
    )
    assert resp.status_code == 204 and await _labelled("Test") == {msg1, msg2}
    assert (
        await api.post(url, {"messages": [msg3], "action": "label", "label": str(label.uuid)})
    ).status_code == 204
    assert await _labelled("Test") == {msg1, msg2, msg3}
    assert_error(
        await api.post(url, {"messages": [msg1], "action": "label", "label": "nope"}),
        "label",
        "No such object: nope",
    )
    assert (
        await api.post(url, {"messages": [msg2], "action": "unlabel", "label": "test"})
    ).status_code == 204
    assert await _labelled("Test") == {msg1, msg3}
    resp = await api.post(url, {"messages": [msg1, msg3], "action": "unlabel", "label": str(label.uuid)})
    assert resp.status_code == 204 and await _labelled("Test") == set()

    assert (
        await api.post(url, {"messages": [msg2, msg3], "action": "label", "label_name": "New"})
    ).status_code == 204
    assert await _labelled("New") == {msg2, msg3}
    async with transaction() as s:
        new_label = (
            await s.execute(select(Label).where(Label.org_id == api.ws.org_id, Label.name == "New"))
        ).scalar_one()
    assert new_label.is_active
    assert (
        await api.post(url, {"messages": [msg1], "action": "label", "label_name": "New"})
    ).status_code == 204
    assert await _labelled("New") == {msg1, msg2, msg3}
    assert (
        await api.post(url, {"messages": [msg3], "action": "unlabel", "label_name": "New"})
    ).status_code == 204
    assert await _labelled("New") == {msg1, msg2}
    # unlabelling by a name no label has is a no-op, and creates no label
    assert (
        await api.post(url, {"messages": [msg3], "action": "unlabel", "label_name": "XYZ"})
    ).status_code == 204
    async with transaction() as s:
        assert (await s.execute(select(Label).where(Label.name == "XYZ"))).first() is None

    resp = await api.post(url, {"messages": [msg1, msg2], "action": "label", "label_name": '"Hi"'})
    assert_error(resp, "label_name", 'Cannot contain the character: "')
    resp = await api.post(url, {"messages": [msg1, msg2], "action": "label"})
    assert_error(resp, "non_field_errors", 'For action "label" you should also specify a label')
    resp = await api.post(url, {"messages": [msg1, msg2], "action": "label", "label": ""})
    assert_error(resp, "label", "This field may not be null.")
    resp = await api.post(url, {"messages": [msg1], "action": "label", "label": "Test", "label_name": "Test"})
    assert_error(resp, "non_field_errors", "Can't specify both label and label_name.")

    assert (await api.post(url, {"messages": [msg1, msg2, msg3], "action": "archive"})).status_code == 204
    assert {(await _visibility())[m] for m in (msg1, msg2, msg3)} == {"A"}
    assert (await api.post(url, {"messages": [msg1], "action": "restore"})).status_code == 204
    assert [(await _visibility())[m] for m in (msg1, msg2, msg3)] == ["V", "A", "A"]
    assert (await api.post(url, {"messages": [msg2], "action": "delete"})).status_code == 204
    assert (await _visibility())[msg2] == "D"
    # a deleted message is a partial failure
    resp = await api.post(url, {"messages": [msg2, msg3], "action": "restore"})
    assert resp.status_code == 200 and resp.json() == {"failures": [msg2]}
    assert [(await _visibility())[m] for m in (msg1, msg3)] == ["V", "V"]

    msg4 = (await f.msg(api.ws.org_id, joe, "Hi Joe", direction="O", status="S")).id
    resp = await api.post(url, {"messages": [msg1, msg4], "action": "archive"})
    assert_error(resp, "messages", f"Not an incoming message: {msg4}")
    resp = await api.post(url, {"messages": [msg1], "action": "archive", "label": "Test"})
    assert_error(resp, "non_field_errors", 'For action "archive" you should not specify a label')
    assert_error(
        await api.post(url, {"messages": [msg1], "action": "like"}), "action", '"like" is not a valid choice.'
    )
    resp = await api.post(url, {"messages": list(range(101)), "action": "archive"})
    assert_error(resp, "messages", "Ensure this field has no more than 100 elements.")
