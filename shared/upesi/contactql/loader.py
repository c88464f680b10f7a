"""Contacts as evaluator input (ContactData), read in four statements whatever the batch size."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql.evaluate import ContactData
from upesi.db.models import Contact, ContactURN, FlowRun, contact_group_contacts


async def load_contacts(session: AsyncSession, org_id: int, contact_ids: list[int]) -> dict[int, ContactData]:
    rows = await session.execute(select(Contact).where(Contact.org_id == org_id, Contact.id.in_(contact_ids)))
    contacts: dict[int, ContactData] = {}
    for c in rows.scalars():
        contacts[c.id] = ContactData(
            id=c.id,
            uuid=str(c.uuid),
            name=c.name,
            language=c.language,
            status=c.status,
            is_active=c.is_active,
            created_on=c.created_on,
            last_seen_on=c.last_seen_on,
            fields=dict(c.fields or {}),
            urns=[],
            group_ids=[],
            current_flow_id=c.current_flow_id,
            flow_history_ids=[],
        )
    ids = list(contacts)
    urns = await session.execute(
        select(ContactURN.contact_id, ContactURN.scheme, ContactURN.path)
        .where(ContactURN.contact_id.in_(ids))
        .order_by(ContactURN.contact_id, ContactURN.priority.desc(), ContactURN.id)
    )
    for contact_id, scheme, path in urns:
        if contact_id is not None:
            contacts[contact_id]["urns"].append(f"{scheme}:{path}")

    groups: defaultdict[int, list[int]] = defaultdict(list)
    members = await session.execute(
        select(contact_group_contacts.c.contact_id, contact_group_contacts.c.group_id).where(
            contact_group_contacts.c.contact_id.in_(ids)
        )
    )
    for contact_id, group_id in members:
        groups[contact_id].append(group_id)
    runs = await session.execute(
        select(FlowRun.contact_id, FlowRun.flow_id).where(FlowRun.contact_id.in_(ids)).distinct()
    )
    for contact_id, flow_id in runs:
        contacts[contact_id]["flow_history_ids"].append(flow_id)
    for contact_id, group_ids in groups.items():
        contacts[contact_id]["group_ids"] = sorted(group_ids)
    return contacts
