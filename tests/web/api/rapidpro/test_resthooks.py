"""resthooks, resthook_subscribers and resthook_events: RapidPro's test_resthooks.py assertions, ported."""

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, assert_errors, ids_of
from upesi.db.engine import transaction
from upesi.db.models import Resthook, ResthookSubscriber, WebhookEvent


async def test_endpoint(api: API) -> None:
    hooks, subs, events = "resthooks.json", "resthook_subscribers.json", "resthook_events.json"
    agent = api.ws.tokens["agent"]
    for url in (hooks, subs, events):
        assert (await api.get(url, token=agent)).status_code == 403
    assert (await api.post(hooks, {})).status_code == 405
    assert (await api.delete(hooks)).status_code == 405
    assert (await api.post(events, {})).status_code == 405
    assert (await api.post(subs, {}, token=agent)).status_code == 403
    mother = await f.add(Resthook(org_id=api.ws.org_id, slug="new-mother"))
    father = await f.add(Resthook(org_id=api.ws.org_id, slug="new-father"))
    await f.add(Resthook(org_id=api.ws.org_id, slug="not-active", is_active=False))
    other = await f.add(Resthook(org_id=api.other.org_id, slug="spam"))
    assert ids_of(await api.get(hooks), "resthook") == ["new-father", "new-mother"]

    assert_errors(
        await api.post(subs, {}),
        {"resthook": "This field is required.", "target_url": "This field is required."},
    )
    resp = await api.post(subs, {"resthook": "spam", "target_url": "https://foo.bar/"})
    assert_error(resp, "resthook", "No resthook with slug: spam")
    resp = await api.post(subs, {"resthook": "new-mother", "target_url": "https://foo.bar/mothers"},
                          token=api.ws.tokens["editor"])  # fmt: skip
    assert resp.status_code == 201
    sub1 = resp.json()
    resp = await api.post(subs, {"resthook": "new-father", "target_url": "https://foo.bar/fathers"})
    assert resp.status_code == 201
    sub2 = resp.json()
    assert sub2 | {"id": None, "created_on": None} == {"id": None, "resthook": "new-father",
                                                       "target_url": "https://foo.bar/fathers", "created_on": None}  # fmt: skip
    theirs = await f.add(ResthookSubscriber(resthook_id=other.id, target_url="https://bar.foo"))
    assert ids_of(await api.get(subs), "id") == [sub2["id"], sub1["id"]]
    assert ids_of(await api.get(subs, id=str(sub1["id"])), "id") == [sub1["id"]]
    assert ids_of(await api.get(subs, resthook="new-father"), "id") == [sub2["id"]]
    assert (await api.delete(subs, id=str(sub2["id"]))).status_code == 204
    async with transaction() as s:
        assert (await s.get(ResthookSubscriber, sub2["id"])).is_active is False
    assert_error(await api.delete(subs), None, "URL must contain one of the following parameters: id")
    assert (await api.delete(subs, id=str(theirs.id))).status_code == 404

    await f.add(WebhookEvent(org_id=api.ws.org_id, resthook_id=mother.id,
                                  data={"event": "new mother", "values": {"name": "Greg"}, "steps": {"uuid": "abcde"}}))  # fmt: skip
    await f.add(WebhookEvent(org_id=api.ws.org_id, resthook_id=father.id,
                             data={"event": "new father", "values": {"name": "Yo"}, "steps": {"uuid": "12345"}}))  # fmt: skip
    results = (await api.get(events)).json()["results"]
    assert [(r["resthook"], r["data"]["event"]) for r in results] == [("new-father", "new father"),
                                                                      ("new-mother", "new mother")]  # fmt: skip
