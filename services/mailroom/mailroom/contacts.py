"""Contacts as the engine sees them (goflow contact JSON), loaded for many contacts at once."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel, Contact, ContactField, ContactGroup, ContactURN, contact_group_contacts
from upesi.db.models.contacts import CONTACT_STATUSES


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


async def load_contacts(
    session: AsyncSession, org_id: int, contact_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Engine contact JSON by contact id. Four queries whatever the number of contacts."""
    if not contact_ids:
        return {}
    contacts = (
        (
            await session.execute(
                select(Contact).where(
                    Contact.org_id == org_id, Contact.id.in_(contact_ids), Contact.is_active
                )
            )
        )
        .scalars()
        .all()
    )
    urn_rows = (
        await session.execute(
            select(
                ContactURN.contact_id, ContactURN.id, ContactURN.identity, ContactURN.display, Channel.uuid
            )
            .outerjoin(Channel, Channel.id == ContactURN.channel_id)
            .where(ContactURN.contact_id.in_(contact_ids))
            .order_by(ContactURN.contact_id, ContactURN.priority.desc(), ContactURN.id)
        )
    ).all()
    group_rows = (
        await session.execute(
            select(contact_group_contacts.c.contact_id, ContactGroup.uuid, ContactGroup.name)
            .join(ContactGroup, ContactGroup.id == contact_group_contacts.c.group_id)
            .where(contact_group_contacts.c.contact_id.in_(contact_ids), ContactGroup.is_active)
        )
    ).all()
    fields = {
        f.uuid: f.key
        for f in (await session.execute(select(ContactField).where(ContactField.org_id == org_id))).scalars()
    }
    urns: dict[int, list[str]] = {}
    for contact_id, urn_id, identity, _display, channel_uuid in urn_rows:
        params = f"?id={urn_id}" + (f"&channel={channel_uuid}" if channel_uuid else "")
        urns.setdefault(contact_id, []).append(identity + params)
    groups: dict[int, list[dict[str, str]]] = {}
    for contact_id, uuid, name in group_rows:
        groups.setdefault(contact_id, []).append({"uuid": str(uuid), "name": name})

    result = {}
    for c in contacts:
        contact: dict[str, Any] = {
            "uuid": c.uuid,
            "id": c.id,
            "status": CONTACT_STATUSES.get(c.status, "active"),
            "created_on": iso(c.created_on),
            "urns": urns.get(c.id, []),
            "groups": groups.get(c.id, []),
            "fields": {fields[k]: v for k, v in (c.fields or {}).items() if k in fields},
        }
        if c.name:
            contact["name"] = c.name
        if c.language:
            contact["language"] = c.language
        if c.timezone:
            contact["timezone"] = c.timezone
        if c.last_seen_on:
            contact["last_seen_on"] = iso(c.last_seen_on)
        result[c.id] = contact
    return result
