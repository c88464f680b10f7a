"""Writing imported rows, a chunk at a time: every row of the chunk is checked first (each refused row
gets its row number, column and reason), then one query finds the contacts owning the chunk's URNs, one
loads them, one insert adds the new contacts, one their new URNs, one the group memberships; smart
groups are refreshed once for the whole chunk. A row whose URN belongs to a contact updates it."""

import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Contact, ContactField, ContactURN, contact_group_contacts
from upesi.db.ops.smart_groups import refresh_contacts_groups
from upesi.db.scoping import in_workspace
from upesi.domain.urns import InvalidURN, checked_urn
from upesi.urns import URN


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str  # the column, as written in the header
    message: str


@dataclass
class Layout:
    """Which column holds what, read from the header row."""

    header: list[str]
    urn_columns: list[tuple[int, str]]  # (column, scheme)
    name_column: int | None
    language_column: int | None
    field_columns: dict[int, ContactField] = field(default_factory=dict)


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    urns: list[URN]
    name: str
    language: str
    values: dict[str, dict[str, Any]]


def read_layout(header: list[str]) -> Layout:
    """The columns of a RapidPro import file. Raises ValueError when there is no URN column."""
    header = [h.strip() for h in header]
    lower = [h.lower() for h in header]
    urns = [(i, "tel" if h in ("phone", "phone number") else h.split(":", 1)[1].strip().lower())
            for i, h in enumerate(lower) if h.startswith("urn:") or h in ("phone", "phone number")]  # fmt: skip
    if not urns:
        raise ValueError("The header needs at least one URN column, e.g. URN:Tel")
    return Layout(
        header,
        urns,
        lower.index("name") if "name" in lower else None,
        lower.index("language") if "language" in lower else None,
    )


def _value(value_type: str, text: str) -> dict[str, Any]:
    from web.api.v2.field_values import parse_value  # the same stored shapes the API writes

    return parse_value(value_type, text) or {"text": text}


def _check(layout: Layout, number: int, row: list[str], country: str | None) -> _Row | RowError:
    row = row + [""] * (len(layout.header) - len(row))
    urns: list[URN] = []
    for i, scheme in layout.urn_columns:
        if row[i].strip():
            try:
                urns.append(checked_urn(f"{scheme}:{row[i].strip()}", country))
            except InvalidURN as e:
                return RowError(number, layout.header[i], str(e))
    if not urns:
        return RowError(number, "URN", "No URN in this row")
    language = row[layout.language_column].strip().lower() if layout.language_column is not None else ""
    if language and not (len(language) == 3 and language.isalpha()):
        assert layout.language_column is not None
        return RowError(
            number, layout.header[layout.language_column], f"{language!r} is not a three-letter language code"
        )
    name = row[layout.name_column].strip()[:128] if layout.name_column is not None else ""
    values = {
        f.uuid: _value(f.value_type, row[i].strip())
        for i, f in layout.field_columns.items()
        if row[i].strip()
    }
    return _Row(number, urns, name, language, values)


async def import_chunk(
    session: AsyncSession,
    org_id: int,
    country: str | None,
    layout: Layout,
    rows: list[tuple[int, list[str]]],
    group_id: int | None,
) -> ChunkResult:
    """Check and write one chunk of (row number, cells); the caller commits."""
    result = ChunkResult()
    checked: list[_Row] = []
    for number, cells in rows:
        outcome = _check(layout, number, cells, country)
        if isinstance(outcome, RowError):
            result.errors.append(outcome)
        else:
            checked.append(outcome)
    if not checked:
        return result
    identities = {u.identity for r in checked for u in r.urns}
    found = (
        await session.execute(
            select(ContactURN).where(in_workspace(ContactURN, org_id), ContactURN.identity.in_(identities))
        )
    ).scalars()
    existing_urns = {u.identity: u for u in found}
    owner_ids = {u.contact_id for u in existing_urns.values() if u.contact_id}
    contacts: dict[int, Contact] = {
        c.id: c for c in (await session.execute(select(Contact).where(Contact.id.in_(owner_ids)))).scalars()
    }
    # identity -> the contact it belongs to, existing or made by an earlier row of this chunk
    owner: dict[str, Contact] = {
        i: contacts[u.contact_id] for i, u in existing_urns.items() if u.contact_id in contacts
    }
    new_urns: list[tuple[Contact, URN]] = []
    orphans: list[tuple[Contact, ContactURN]] = []  # URNs left without a contact: given to this row's
    created: list[Contact] = []
    updated: dict[int, None] = {}  # existing contacts changed, in row order
    for row in checked:
        owners = {id(owner[u.identity]): owner[u.identity] for u in row.urns if u.identity in owner}
        if len(owners) > 1:
            result.errors.append(RowError(row.number, "URN", "These URNs belong to different contacts"))
            continue
        if owners:
            contact = next(iter(owners.values()))
            if contact.id is not None:
                updated[contact.id] = None
            result.updated += 1
        else:
            contact = Contact(uuid=str(uuidlib.uuid4()), org_id=org_id, fields={})
            created.append(contact)
            result.created += 1
        for urn in row.urns:
            if urn.identity in owner:
                continue
            owner[urn.identity] = contact
            if urn.identity in existing_urns:
                orphans.append((contact, existing_urns[urn.identity]))
            else:
                new_urns.append((contact, urn))
        if row.name:
            contact.name = row.name
        if row.language:
            contact.language = row.language
        if row.values:
            contact.fields = {**(contact.fields or {}), **row.values}
    session.add_all(created)
    await session.flush()  # one batched INSERT ... RETURNING gives the new contacts their ids
    session.add_all(
        ContactURN(org_id=org_id, contact_id=c.id, scheme=u.scheme, path=u.path, identity=u.identity)
        for c, u in new_urns
    )
    for contact, orphan in orphans:
        orphan.contact_id = contact.id
    await session.flush()
    touched = list(dict.fromkeys([*updated, *(c.id for c in created)]))
    if group_id is not None and touched:
        await session.execute(
            insert(contact_group_contacts)
            .values([{"group_id": group_id, "contact_id": cid} for cid in touched])
            .on_conflict_do_nothing()
        )
    await refresh_contacts_groups(session, org_id, touched)
    result.contact_ids = touched
    return result
