"""Batched loaders for what many shapes embed (a contact's URNs and groups, {uuid, name} references by
id), so a page of 250 objects costs a fixed number of queries, never one per row."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import ContactGroup, ContactNote, ContactURN, User, contact_group_contacts
from web.api.v2.values import fmt_dt


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


async def refs_by_id(
    session: AsyncSession, model: Any, ids: Iterable[int | None]
) -> dict[int, dict[str, Any]]:
    """{id: {"uuid", "name"}} for rows of `model` (one query). Callers pass ids read from rows already
    scoped to the workspace."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.uuid, model.name).where(model.id.in_(wanted)))
    return {r.id: {"uuid": str(r.uuid), "name": r.name} for r in rows}


async def urns_by_contact(session: AsyncSession, contact_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each contact's URN identities, highest priority first."""
    wanted = _ids(contact_ids)
    result: dict[int, list[str]] = defaultdict(list)
    if not wanted:
        return result
    rows = await session.execute(
        select(ContactURN.contact_id, ContactURN.identity)
        .where(ContactURN.contact_id.in_(wanted))
        .order_by(ContactURN.contact_id, ContactURN.priority.desc(), ContactURN.id)
    )
    for contact_id, identity in rows:
        if contact_id is not None:
            result[contact_id].append(identity)
    return result


async def groups_by_contact(
    session: AsyncSession, contact_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    wanted = _ids(contact_ids)
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not wanted:
        return result
    rows = await session.execute(
        select(contact_group_contacts.c.contact_id, ContactGroup.uuid, ContactGroup.name)
        .join(ContactGroup, ContactGroup.id == contact_group_contacts.c.group_id)
        .where(contact_group_contacts.c.contact_id.in_(wanted), ContactGroup.is_active.is_(True))
        .order_by(contact_group_contacts.c.contact_id, ContactGroup.name)
    )
    for contact_id, uuid, name in rows:
        result[contact_id].append({"uuid": str(uuid), "name": name})
    return result


NOTES_SHOWN = 5


async def notes_by_contact(
    session: AsyncSession, contact_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each contact's newest NOTES_SHOWN notes, oldest first, with who wrote them (RapidPro keeps five)."""
    wanted = _ids(contact_ids)
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not wanted:
        return result
    newest = (
        select(
            ContactNote.id,
            func.row_number()
            .over(partition_by=ContactNote.contact_id, order_by=ContactNote.id.desc())
            .label("rank"),
        )
        .where(ContactNote.contact_id.in_(wanted))
        .subquery()
    )
    rows = await session.execute(
        select(
            ContactNote.contact_id,
            ContactNote.text,
            ContactNote.created_on,
            User.email,
            User.first_name,
            User.last_name,
        )
        .join(newest, newest.c.id == ContactNote.id)
        .outerjoin(User, User.id == ContactNote.created_by_id)
        .where(newest.c.rank <= NOTES_SHOWN)
        .order_by(ContactNote.contact_id, ContactNote.id)
    )
    for r in rows:
        author = {"email": r.email, "name": f"{r.first_name} {r.last_name}".strip()} if r.email else None
        result[r.contact_id].append(
            {"text": r.text, "created_on": fmt_dt(r.created_on), "created_by": author}
        )
    return result


def contact_ref(contact: Any, urns: list[str] | None = None, anon: bool = False) -> dict[str, Any] | None:
    """{uuid, name} with, when URNs are given, the preferred URN (runs and broadcasts show it)."""
    if contact is None:
        return None
    ref: dict[str, Any] = {"uuid": str(contact.uuid), "name": contact.name}
    if urns is not None:
        ref["urn"] = None if anon else (urns[0] if urns else None)
    return ref
