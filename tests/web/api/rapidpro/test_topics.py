"""RapidPro's temba/api/v2/tests/test_topics.py, ported: permissions, the listing with ticket counts and the
system topic, create, rename, the system topic refused, other workspaces' topics unseen, the workspace limit."""

from sqlalchemy import select

from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import assert_error, set_org
from upesi.db.engine import transaction
from upesi.db.models import Topic
from upesi.domain import tickets as domain
from web.api.v2.values import fmt_dt

URL = "topics.json"


async def _topic(org_id: int, name: str) -> Topic:
    async with transaction() as s:
        return (await s.execute(select(Topic).where(Topic.org_id == org_id, Topic.name == name))).scalar_one()


def _shape(topic: Topic, open_: int = 0, closed: int = 0) -> dict[str, object]:
    return {"uuid": str(topic.uuid), "name": topic.name, "counts": {"open": open_, "closed": closed},
            "system": topic.is_system, "created_on": fmt_dt(topic.created_on)}  # fmt: skip


async def test_permissions(api: API) -> None:
    assert (await api.client.get(f"/api/v2/{URL}")).status_code == 403  # no token
    assert (await api.post(URL, {"name": "Food"}, token=api.ws.tokens["agent"])).status_code == 403
    assert (await api.get(URL, token=api.ws.tokens["agent"])).status_code == 200  # agents see topics
    resp = await api.delete(URL)
    assert resp.status_code == 405 and resp.json() == {"detail": 'Method "DELETE" not allowed.'}


async def test_listing_counts_tickets_and_shows_the_system_topic_last(api: API) -> None:
    support = await f.add(Topic(uuid=f.uid(), org_id=api.ws.org_id, name="Support"))
    sales = await f.add(Topic(uuid=f.uid(), org_id=api.ws.org_id, name="Sales"))
    await f.add(Topic(uuid=f.uid(), org_id=api.other.org_id, name="Bugs"))
    ann = await f.contact(api.ws.org_id, "Ann", ["tel:+1234567890"])
    async with transaction() as s:
        await domain.open_tickets(s, org_id=api.ws.org_id, contact_ids=[ann.id], topic_id=support.id)
    general = await _topic(api.ws.org_id, "General")
    for role in ("editor", "administrator"):
        resp = await api.get(URL, token=api.ws.tokens[role])
        assert resp.json()["results"] == [_shape(sales), _shape(support, open_=1), _shape(general)]


async def test_create_and_its_errors(api: API) -> None:
    assert_error(await api.post(URL, {}, token=api.ws.tokens["editor"]), "name", "This field is required.")
    resp = await api.post(URL, {"name": "Food"}, token=api.ws.tokens["editor"])
    assert resp.status_code == 201
    food = await _topic(api.ws.org_id, "Food")
    assert resp.json() == _shape(food)
    assert_error(await api.post(URL, {"name": "Food"}), "name", "This field must be unique.")
    await f.add(Topic(uuid=f.uid(), org_id=api.other.org_id, name="Bugs"))
    assert (await api.post(URL, {"name": "Bugs"})).status_code == 201  # another workspace's name is free
    assert_error(await api.post(URL, {"name": '"Hi"'}), "name", 'Cannot contain the character: "')
    resp = await api.post(URL, {"name": "x" * 65})
    assert_error(resp, "name", "Ensure this field has no more than 64 characters.")


async def test_rename_and_what_cannot_be_renamed(api: API) -> None:
    support = await f.add(Topic(uuid=f.uid(), org_id=api.ws.org_id, name="Support"))
    other = await f.add(Topic(uuid=f.uid(), org_id=api.other.org_id, name="Bugs"))
    general = await _topic(api.ws.org_id, "General")
    resp = await api.post(URL, {"name": "Support Tickets"}, uuid=str(support.uuid))
    assert resp.status_code == 200 and resp.json()["name"] == "Support Tickets"
    assert (await _topic(api.ws.org_id, "Support Tickets")).id == support.id
    resp = await api.post(URL, {"name": "Won't work"}, uuid=str(general.uuid))
    assert_error(resp, None, "Cannot modify system object.", status=403)
    assert (await api.post(URL, {"name": "Won't work"}, uuid=str(other.uuid))).status_code == 404
    resp = await api.post(URL, {"name": "General"}, uuid=str(support.uuid))
    assert_error(resp, "name", "This field must be unique.")


async def test_workspace_limit(api: API) -> None:
    await f.add(Topic(uuid=f.uid(), org_id=api.ws.org_id, name="Support"))
    await set_org(api.ws.org_id, config={"limits": {"topics": 1}})  # the system topic does not count
    resp = await api.post(URL, {"name": "Interesting"})
    assert_error(resp, None, "Cannot create object because workspace has reached limit.", status=409)
