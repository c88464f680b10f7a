"""Batched loaders for what many shapes embed (a contact's URNs and groups, {uuid, name} references by
id), so a page of 250 objects costs a fixed number of queries, never one per row."""

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import phonenumbers
from sqlalchemy import BigInteger, ColumnElement, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Channel, ContactGroup, ContactNote, ContactURN, User, contact_group_contacts
from upesi.db.ops.assets import channel_asset
from upesi.db.scoping import in_workspace
from upesi.flows.contact import channel_for_urn
from upesi.urns import URN
from web.api.v2.values import fmt_dt


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


def one_of(column: Any, ids: list[int]) -> ColumnElement[bool]:
    """`column = ANY($1)` with the ids as one array parameter. `IN (...)` renders a parameter per id at every
    execution (a sixth of a page's CPU for 250 contacts) and gives a new statement per page length, where this
    is one statement that SQLAlchemy's compiled cache and asyncpg's prepared statements keep."""
    return column == any_(literal(ids, ARRAY(BigInteger)))


async def refs_by_id(
    session: AsyncSession, model: Any, ids: Iterable[int | None]
) -> dict[int, dict[str, Any]]:
    """{id: {"uuid", "name"}} for rows of `model` (one query). Callers pass ids read from rows already
    scoped to the workspace."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.uuid, model.name).where(one_of(model.id, wanted)))
    return {r.id: {"uuid": str(r.uuid), "name": r.name} for r in rows}


async def urns_by_contact(session: AsyncSession, contact_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each contact's URN identities, highest priority first."""
    wanted = _ids(contact_ids)
    result: dict[int, list[str]] = defaultdict(list)
    if not wanted:
        return result
    rows = await session.execute(
        select(ContactURN.contact_id, ContactURN.identity)
        .where(one_of(ContactURN.contact_id, wanted))
        .order_by(ContactURN.contact_id, ContactURN.priority.desc(), ContactURN.id)
    )
    for contact_id, identity in rows:
        if contact_id is not None:
            result[contact_id].append(identity)
    return result


async def expanded_urns_by_contact(
    session: AsyncSession, org_id: int, contact_ids: Iterable[int], anon: bool, priority_order: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """RapidPro's ?expand_urns=true shape, as mailroom's contact inspect gives it: {channel, scheme, path (masked
    for an anonymous workspace), display}, where channel is the one the engine would send with (goflow's
    GetForURN: the URN's affinity, else the best channel for the scheme) and URNs with a channel come first;
    with urn_order=priority they keep the contact's priority order. Two queries for the page."""
    wanted = _ids(contact_ids)
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not wanted:
        return result
    channels = {
        str(ch.uuid): channel_asset(ch)
        for ch in (
            await session.execute(
                select(Channel)
                .where(in_workspace(Channel, org_id), Channel.is_active.is_(True))
                .order_by(Channel.id)
            )
        ).scalars()
    }
    rows = await session.execute(
        select(ContactURN.contact_id, ContactURN.scheme, ContactURN.path, ContactURN.display, Channel.uuid)
        .outerjoin(Channel, Channel.id == ContactURN.channel_id)
        .where(one_of(ContactURN.contact_id, wanted))
        .order_by(ContactURN.contact_id, ContactURN.priority.desc(), ContactURN.id)
    )
    unsendable: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for contact_id, scheme, path, display, affinity in rows:
        if contact_id is None:
            continue
        urn = URN(scheme, path, f"channel={affinity}" if affinity else "")
        channel = channel_for_urn(urn, channels)
        shown = {
            "channel": {"uuid": str(channel["uuid"]), "name": channel["name"]} if channel else None,
            "scheme": scheme,
            "path": ANON_MASK if anon else path,
            "display": display or None,
        }
        (result if channel or priority_order else unsendable)[contact_id].append(shown)
    for contact_id, rest in unsendable.items():
        result[contact_id].extend(rest)
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
        .where(one_of(contact_group_contacts.c.contact_id, wanted), ContactGroup.is_active.is_(True))
        .order_by(contact_group_contacts.c.contact_id, ContactGroup.name)
    )
    for contact_id, uuid, name in rows:
        result[contact_id].append({"uuid": str(uuid), "name": name})
    return result


ANON_MASK = "********"
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
        .where(one_of(ContactNote.contact_id, wanted))
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


@lru_cache(maxsize=8192)
def urn_display(identity: str) -> str:
    """RapidPro's get_urn_display: a phone number in its national format ("0788 123 123"), else the path.
    Parsing and formatting a number takes about 25 us; a contact's runs on one page, and the pages a client
    walks again, reuse it (the answer depends on the identity alone)."""
    scheme, _, path = identity.partition(":")
    if scheme == "tel":
        try:
            number = phonenumbers.parse(path, None)
        except phonenumbers.NumberParseException:
            return path
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return path


def contact_summary(
    contact: Any, urns: list[str], anon: bool, ref: str | None = None
) -> dict[str, Any] | None:
    """RapidPro's ContactField(as_summary=True), as runs show a contact: {uuid, name, urn, urn_display}, the
    URN masked and the display left out for an anonymous workspace, which also gets `ref` (and its deprecated
    twin `anon_display`)."""
    if contact is None:
        return None
    urn = urns[0] if urns else None
    summary: dict[str, Any] = {
        "uuid": str(contact.uuid),
        "name": contact.name,
        "urn": (urn.split(":", 1)[0] + ":" + ANON_MASK if anon else urn) if urn else None,
        "urn_display": urn_display(urn) if urn and not anon else None,
    }
    if anon:
        summary["ref"] = summary["anon_display"] = ref or f"{contact.id:010d}"
    return summary
