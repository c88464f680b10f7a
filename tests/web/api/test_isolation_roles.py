"""Across every endpoint: another workspace's objects never show, and each role gets exactly what
RapidPro's API permissions give it."""

from datetime import UTC, date, datetime

import pytest

from tests.web.api import factories as f
from tests.web.api.conftest import API
from upesi.db.engine import transaction
from upesi.db.models import (
    Archive,
    Broadcast,
    Campaign,
    CampaignEvent,
    ChannelEvent,
    FlowStart,
    Global,
    Label,
    OptIn,
    Resthook,
    ResthookSubscriber,
    Topic,
    WebhookEvent,
)
from upesi.domain.tickets import open_tickets
from web.api.v2.routing import ENDPOINTS

LISTS = [
    "archives", "broadcasts", "campaign_events", "campaigns", "channel_events", "channels", "contacts", "fields",
    "flow_starts", "flows", "globals", "groups", "labels", "messages", "optins", "resthook_events",
    "resthook_subscribers", "resthooks", "runs", "tickets", "topics",
]  # fmt: skip


async def fill(org_id: int, user_id: int) -> None:
    """One of everything in a workspace."""
    contact = await f.contact(org_id, "Someone", ["tel:+250788123123"])
    group = await f.group(org_id, "Group", [contact])
    field = await f.field(org_id, "edd", "EDD", "D")
    channel = await f.channel(org_id)
    flow = await f.flow(org_id)
    await f.run(org_id, flow, contact)
    await f.msg(org_id, contact, "hello", channel_id=channel.id)
    await f.add(Broadcast(uuid=f.uid(), org_id=org_id, translations={"eng": {"text": "hi"}}))
    await f.add(
        FlowStart(uuid=f.uid(), org_id=org_id, flow_id=flow.id, start_type="A", created_by_id=user_id)
    )
    campaign = await f.add(Campaign(uuid=f.uid(), org_id=org_id, name="Campaign", group_id=group.id))
    await f.add(CampaignEvent(uuid=f.uid(), org_id=org_id, campaign_id=campaign.id, relative_to_id=field.id,
                              relative_to_key="edd", flow_id=flow.id))  # fmt: skip
    await f.add(ChannelEvent(uuid=f.uid(), org_id=org_id, channel_id=channel.id, event_type="mo_miss",
                             contact_id=contact.id, occurred_on=datetime.now(UTC)))  # fmt: skip
    await f.add(Global(uuid=f.uid(), org_id=org_id, key="org_name", name="Org Name", value="x"))
    await f.add(Label(uuid=f.uid(), org_id=org_id, name="Label"))
    await f.add(OptIn(uuid=f.uid(), org_id=org_id, name="OptIn"))
    topic = await f.add(Topic(uuid=f.uid(), org_id=org_id, name="Topic"))
    async with transaction() as s:
        await open_tickets(s, org_id=org_id, contact_ids=[contact.id], topic_id=topic.id)
    await f.add(Archive(org_id=org_id, archive_type="message", period="D", start_date=date(2026, 1, 1)))
    hook = await f.add(Resthook(org_id=org_id, slug="hook"))
    await f.add(ResthookSubscriber(resthook_id=hook.id, target_url="https://example.com"))
    await f.add(WebhookEvent(org_id=org_id, resthook_id=hook.id, data={}))


# what every new workspace has of its own (RapidPro's default ticket topic and its Open Tickets group)
BUILT_IN = {"topics": 1, "groups": 1}


async def test_every_list_shows_only_own_workspace(api: API) -> None:
    await fill(api.other.org_id, api.other.user_id)
    for name in LISTS:
        resp = await api.get(f"{name}.json")
        assert resp.status_code == 200, (name, resp.text)
        assert len(resp.json()["results"]) == BUILT_IN.get(name, 0), name
    # and the other workspace sees its own
    for name in LISTS:
        resp = await api.get(f"{name}.json", token=api.other.token)
        assert len(resp.json()["results"]) == 1 + BUILT_IN.get(name, 0), name


def _operations() -> list[tuple[str, str, str]]:
    return sorted(
        (name, op.method, op.permission) for name, doc in ENDPOINTS.items() for op in doc.operations
    )


@pytest.mark.parametrize("role", ["agent", "viewer", "editor"])
async def test_role_permissions_on_every_endpoint(api: API, role: str) -> None:
    from web.api.v2.permissions import has_permission

    token = api.ws.tokens[role]
    for name, method, permission in _operations():
        if method == "GET":
            resp = await api.get(f"{name}.json", token=token)
        elif method == "POST":
            resp = await api.post(f"{name}.json", {}, token=token)
        else:
            resp = await api.delete(f"{name}.json", token=token, uuid=f.uid())
        allowed = has_permission(role, permission)
        if allowed:
            assert resp.status_code != 403, (role, name, method, resp.text)
        else:
            assert resp.status_code == 403, (role, name, method, resp.status_code)
            assert resp.json() == {"detail": "You do not have permission to perform this action."}
    # spot checks of the table itself
    assert has_permission("agent", "contacts.contact_create") and not has_permission(
        "agent", "flows.flow_list"
    )
    assert has_permission("viewer", "flows.flow_list") and not has_permission("viewer", "msgs.msg_create")
    assert has_permission("editor", "orgs.org_export")
