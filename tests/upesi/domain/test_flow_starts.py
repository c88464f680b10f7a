"""Flow start rules, tested once here for the API's flow_starts POST and the UI's start form: an archived flow
is refused (RapidPro offers only unarchived flows to start, and mailroom loads only those), a start needs
somebody to start, and what is stored is the start with its groups and contacts, pending."""

import uuid

import pytest
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import ContactGroup, Flow, FlowStart
from upesi.db.models.flows import flow_start_contacts, flow_start_groups
from upesi.db.ops.contacts import resolve_contacts
from upesi.db.ops.orgs import NewWorkspace, create_workspace
from upesi.domain.errors import DomainError
from upesi.domain.flow_starts import ARCHIVED, NO_RECIPIENTS, create_flow_start, queue_flow_start
from upesi.queues.fair import QUEUE_BATCH, FairQueue, Task
from upesi.queues.redis import get_redis
from upesi.urns import parse_urn


async def _setup(archived: bool = False) -> tuple[NewWorkspace, Flow, int, int]:
    async with transaction() as s:
        ws = await create_workspace(s, "Test", "a@example.com", "pw")
        flow = Flow(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Survey", is_archived=archived)
        group = ContactGroup(uuid=str(uuid.uuid4()), org_id=ws.org.id, name="Nurses")
        s.add_all([flow, group])
        await s.flush()
        contact = (await resolve_contacts(s, ws.org.id, [parse_urn("tel:+250788123123")]))[
            "tel:+250788123123"
        ]
        return ws, flow, group.id, contact.contact_id


async def _starts() -> list[FlowStart]:
    async with transaction() as s:
        return list((await s.execute(select(FlowStart))).scalars())


async def test_a_start_is_stored_pending_with_its_recipients(db: None) -> None:
    ws, flow, group_id, contact_id = await _setup()
    async with transaction() as s:
        start = await create_flow_start(
            s, org=ws.org, flow=flow, start_type="M", created_by_id=ws.user.id,
            group_ids=[group_id, group_id], contact_ids=[contact_id], urns=["tel:+250788000001"],
            restart_participants=False, exclude_active=True, params={"a": 1},
        )  # fmt: skip
    async with transaction() as s:
        groups = (await s.execute(select(flow_start_groups.c.group_id))).scalars().all()
        contacts = (await s.execute(select(flow_start_contacts.c.contact_id))).scalars().all()
    [stored] = await _starts()
    assert (stored.id, stored.flow_id, stored.status, stored.start_type) == (start.id, flow.id, "P", "M")
    assert (stored.restart_participants, stored.exclude_active, stored.params) == (False, True, {"a": 1})
    assert stored.urns == ["tel:+250788000001"] and stored.created_by_id == ws.user.id
    assert groups == [group_id] and contacts == [contact_id]


@pytest.mark.parametrize(
    "archived, recipients, field, message",
    [
        (True, {"group_ids": [1]}, "flow", ARCHIVED),
        (False, {}, "non_field_errors", NO_RECIPIENTS),
        (False, {"group_ids": [], "contact_ids": [], "urns": []}, "non_field_errors", NO_RECIPIENTS),
    ],
)
async def test_refused_starts_store_nothing(
    db: None, archived: bool, recipients: dict, field: str, message: str
) -> None:
    ws, flow, group_id, _ = await _setup(archived=archived)
    recipients = {k: ([group_id] if v else v) for k, v in recipients.items()}
    with pytest.raises(DomainError) as e:
        async with transaction() as s:
            await create_flow_start(
                s, org=ws.org, flow=flow, start_type="A", created_by_id=None, **recipients
            )
    assert (e.value.field, e.value.message) == (field, message)
    assert await _starts() == []


async def test_another_workspaces_flow_is_not_found(db: None) -> None:
    _, flow, _, _ = await _setup()
    async with transaction() as s:
        other = await create_workspace(s, "Other", "b@example.com", "pw")
    with pytest.raises(DomainError) as e:
        async with transaction() as s:
            await create_flow_start(
                s, org=other.org, flow=flow, start_type="A", created_by_id=None, group_ids=[1]
            )
    assert (e.value.field, e.value.message) == ("flow", f"No such object: {flow.uuid}")
    assert await _starts() == []


async def test_queueing_hands_the_start_to_mailroom(db: None) -> None:
    ws, flow, group_id, _ = await _setup()
    async with transaction() as s:
        start = await create_flow_start(
            s, org=ws.org, flow=flow, start_type="M", created_by_id=None, group_ids=[group_id]
        )
    await queue_flow_start(org=ws.org, start=start)
    popped = await FairQueue(get_redis(), QUEUE_BATCH).pop()
    assert popped is not None
    task = Task.decode(*popped)
    assert (popped[0], task.type, task.task) == (str(ws.org.id), "start_flow", {"start_id": start.id})
