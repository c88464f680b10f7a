"""rapidpro-python's TembaClient against a real `upesi web` process: the compatibility promise is that
clients work by changing only the host."""

import asyncio
from pathlib import Path

import pytest
from temba_client.exceptions import (
    TembaBadRequestError,
    TembaNoSuchObjectError,
    TembaRateExceededError,
    TembaTokenError,
)
from temba_client.v2 import TembaClient
from upesi.db.engine import transaction
from upesi.db.models import Contact, Org

from tests.support.processes import free_port, service
from tests.web.api import factories as f
from tests.web.api.conftest import API


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
    assert seen["start"].status == "pending" and seen["start"].flow.uuid == flow.uuid
    assert seen["broadcast"].status == "pending" and seen["broadcast"].text == {"eng": "Hello"}
    assert seen["message"].status == "queued" and seen["message"].text == "Hi Ann"
    assert seen["label"].name == "Important"
    assert seen["org"].name == "Nyaruka"
    assert [fl.uuid for fl in seen["flows"]] == [flow.uuid]
    assert [fd.key for fd in seen["fields"]] == ["age"]
    assert [st.uuid for st in seen["starts"]] == [seen["start"].uuid]
    assert [g.name for g in seen["groups"]] == ["Beta testers"]
    assert seen["bad_request"] == {"urns": ["URN is in use by another contact."]}
    assert seen["not_found"] is True
    assert [c.uuid for c in seen["deleted"]] == [seen["contact"].uuid]
