"""rapidpro-python's TembaClient against a real `upesi web` process: the compatibility promise is that
clients work by changing only the host."""

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from temba_client.exceptions import (
    TembaBadRequestError,
    TembaNoSuchObjectError,
    TembaRateExceededError,
    TembaTokenError,
)
from temba_client.v2 import TembaClient

from tests.support.processes import free_port, service
from tests.web.api import factories as f
from tests.web.api.conftest import API
from tests.web.api.rapidpro.support import mailroom_schedules
from upesi.db.engine import transaction
from upesi.db.models import Contact, Org


def drive(client: TembaClient, flow_uuid: str) -> dict:
    """Everything a typical integration does, synchronously as the client works."""
    seen: dict = {}
    client.create_field("Age", "number")
    group = client.create_group("Testers")
    contact = client.create_contact(name="Ann", language="eng", urns=["tel:+250788123123"], fields={"age": "31"},
                                    groups=[group])  # fmt: skip
    seen["contact"] = contact
    seen["updated"] = client.update_contact("tel:+250788123123", name="Anne")
    client.bulk_add_contacts([contact], group)
    seen["group_members"] = client.get_contacts(group=group).all()
    seen["all_contacts"] = client.get_contacts().all()
    # resuming a walk later from a saved cursor, as sync jobs do
    fetches = client.get_contacts().iterfetches()
    first_page = next(fetches)
    resumed = next(client.get_contacts().iterfetches(resume_cursor=fetches.get_cursor()))
    seen["resume"] = ([c.uuid for c in first_page], [c.uuid for c in resumed])
    seen["start"] = client.create_flow_start(flow_uuid, urns=["tel:+250788123124"], restart_participants=False,
                                             params={"source": "cht"})  # fmt: skip
    seen["broadcast"] = client.create_broadcast("Hello", urns=["tel:+250788123123"])
    seen["message"] = client.create_message(contact, "Hi Ann", [])
    seen["label"] = client.create_label("Important")
    seen["org"] = client.get_org()
    seen["flows"] = client.get_flows().all()
    seen["fields"] = client.get_fields().all()
    seen["starts"] = client.get_flow_starts().all()
    client.update_group(group, "Beta testers")
    seen["groups"] = client.get_groups().all()
    try:
        client.create_contact(urns=["tel:+250788123123"])
    except TembaBadRequestError as e:
        seen["bad_request"] = e.errors
    try:
        client.update_group("b5a3c3d4-1111-4222-8333-444455556666", "x")
    except TembaNoSuchObjectError:
        seen["not_found"] = True
    client.delete_contact(contact)
    seen["deleted"] = client.get_contacts(deleted=True).all()
    return seen


@pytest.mark.timeout(120)
async def test_temba_client_end_to_end(api: API, tmp_path: Path) -> None:
    flow = await f.flow(api.ws.org_id, "Registration")
    await f.channel(api.ws.org_id)
    async with transaction() as s:
        s.add_all(
            [Contact(uuid=f.uid(), org_id=api.ws.org_id, name=f"Bulk {i}", fields={}) for i in range(300)]
        )
    port = free_port()
    with service("web", port, log=tmp_path / "web.log"):
        client = TembaClient(f"http://127.0.0.1:{port}", api.ws.token)
        seen = await asyncio.to_thread(drive, client, flow.uuid)

        bad = TembaClient(f"http://127.0.0.1:{port}", "0" * 40)
        with pytest.raises(TembaTokenError):
            await asyncio.to_thread(lambda: bad.get_contacts().first())

        async with transaction() as s:
            org = await s.get(Org, api.ws.org_id)
            org.config = {"api_rates": {"v2": "1/hour"}}
        with pytest.raises(TembaRateExceededError) as limited:
            await asyncio.to_thread(lambda: [client.get_groups().first() for _ in range(3)])
        assert limited.value.retry_after > 0

    assert seen["contact"].urns == ["tel:+250788123123"] and seen["contact"].fields == {"age": "31"}
    assert seen["updated"].name == "Anne" and seen["updated"].uuid == seen["contact"].uuid
    assert [c.uuid for c in seen["group_members"]] == [seen["contact"].uuid]
    assert len(seen["all_contacts"]) == 301  # two pages followed through `next`
    first_page, resumed = seen["resume"]
    assert len(first_page) == 250 and len(resumed) == 51 and not set(first_page) & set(resumed)
    assert seen["start"].status == "pending" and seen["start"].flow.uuid == flow.uuid
    assert seen["broadcast"].status == "pending" and seen["broadcast"].text == {"eng": "Hello"}
    assert seen["message"].status == "queued" and seen["message"].text == "Hi Ann"
    assert seen["label"].name == "Important"
    assert seen["org"].name == "Nyaruka"
    assert [fl.uuid for fl in seen["flows"]] == [flow.uuid]
    assert [fd.key for fd in seen["fields"]] == ["age"]
    assert [st.uuid for st in seen["starts"]] == [seen["start"].uuid]
    assert [g.name for g in seen["groups"]] == ["Beta testers", "Open Tickets"]
    assert seen["bad_request"] == {"urns": {"0": ["URN is in use by another contact."]}}
    assert seen["not_found"] is True
    assert [c.uuid for c in seen["deleted"]] == [seen["contact"].uuid]


def drive_more(client: TembaClient, flow_uuid: str, msg_id: int, scheduled: Callable[[str], None]) -> dict:
    """The rest of the client's surface: campaigns, globals, labels, bulk message actions, runs, exports."""
    seen: dict = {}
    client.create_field("EDD", "datetime")
    group = client.create_group("Mothers")
    campaign = client.create_campaign("ANC", group)
    event = client.create_campaign_event(campaign, "edd", -7, "days", 9, message="Visit soon")
    scheduled(
        event.uuid
    )  # mailroom writes its fires: it can be edited (RapidPro refuses while it is scheduling)
    seen["event"] = client.update_campaign_event(event, "edd", 1, "weeks", -1, flow=flow_uuid)
    seen["events"] = client.get_campaign_events(campaign=campaign).all()
    seen["campaigns"] = client.get_campaigns().all()
    glob = client.create_global("CHT URL", "https://cht.example.com")
    seen["global"] = client.update_global(glob, "https://cht2.example.com")
    label = client.create_label("Spam")
    client.bulk_label_messages([msg_id], label=label)
    client.bulk_archive_messages([msg_id])
    seen["archived"] = client.get_messages(folder="archived").all()
    seen["labels"] = client.get_labels().all()
    seen["runs"] = client.get_runs(flow=flow_uuid, responded=True).all()
    seen["export"] = client.get_definitions(flows=[flow_uuid])
    seen["archives"] = client.get_archives().all()
    seen["boundaries"] = client.get_boundaries().all()
    seen["classifiers"] = client.get_classifiers().all()
    seen["resthooks"] = client.get_resthooks().all()
    seen["channels"] = client.get_channels().all()
    client.delete_campaign_event(event)
    seen["events_after"] = client.get_campaign_events().all()
    return seen


@pytest.mark.timeout(120)
async def test_temba_client_rest_of_surface(api: API, tmp_path: Path) -> None:
    flow = await f.flow(api.ws.org_id, "Reminder")
    await f.channel(api.ws.org_id)
    bob = await f.contact(api.ws.org_id, "Bob", ["tel:+250788123123"])
    run = await f.run(api.ws.org_id, flow, bob)
    msg = await f.msg(api.ws.org_id, bob, "hello")
    port = free_port()
    with service("web", port, log=tmp_path / "web.log"):
        client = TembaClient(f"http://127.0.0.1:{port}", api.ws.token)
        loop = asyncio.get_running_loop()

        def scheduled(event_uuid: str) -> None:
            asyncio.run_coroutine_threadsafe(mailroom_schedules(api.ws.org_id, [event_uuid]), loop).result(30)

        seen = await asyncio.to_thread(drive_more, client, flow.uuid, msg.id, scheduled)

    assert (
        seen["event"].flow.uuid == flow.uuid and seen["event"].unit == "weeks" and seen["event"].offset == 1
    )
    assert [e.uuid for e in seen["events"]] == [seen["event"].uuid]
    assert [c.name for c in seen["campaigns"]] == ["ANC"]
    assert seen["global"].value == "https://cht2.example.com"
    assert [m.uuid for m in seen["archived"]] == [msg.uuid]
    assert [(lb.name, lb.count) for lb in seen["labels"]] == [("Spam", 1)]
    assert [r.uuid for r in seen["runs"]] == [run.uuid]
    assert seen["runs"][0].values["age_group"].category == "Young"
    assert [fl["uuid"] for fl in seen["export"].flows] == [flow.uuid]
    assert seen["archives"] == [] and seen["boundaries"] == [] and seen["classifiers"] == []
    assert seen["resthooks"] == [] and len(seen["channels"]) == 1
    assert seen["events_after"] == []
