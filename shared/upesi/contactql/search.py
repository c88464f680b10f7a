"""Running a query: a page of matching contacts for search (mailroom's contact/search shape), and all
matching ids for starts and broadcasts. Parsing errors surface as QueryError for the caller to render."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql.query import ParsedQuery, parse_query
from upesi.contactql.resolver import Resolver, load_resolver
from upesi.contactql.sql import to_sql
from upesi.db.models import Contact, contact_group_contacts

SORTS = {
    "id": Contact.id,
    "created_on": Contact.created_on,
    "last_seen_on": Contact.last_seen_on,
    "name": Contact.name,
}


@dataclass
class SearchResult:
    query: str  # normalised
    metadata: dict[str, Any]
    contact_ids: list[int]
    total: int


def _sorted(stmt: Select[Any], sort: str) -> Select[Any]:
    """ "-created_on" sorts newest first; ties (and the default) fall back to id so pages are stable."""
    key = sort.lstrip("-") or "id"
    if key not in SORTS:
        raise ValueError(f"can't sort by '{key}', expected one of {', '.join(sorted(SORTS))}")
    col = SORTS[key]
    desc = sort.startswith("-")
    order = col.desc().nulls_last() if desc else col.asc().nulls_last()
    return stmt.order_by(order, Contact.id.desc() if desc else Contact.id.asc())


async def search_contacts(
    session: AsyncSession,
    org_id: int,
    text: str,
    *,
    group_id: int | None = None,
    status: str | None = None,
    exclude_ids: list[int] | None = None,
    sort: str = "-id",
    offset: int = 0,
    limit: int = 50,
    resolver: Resolver | None = None,
) -> SearchResult:
    """A page of contacts matching the query, optionally within one group or one status folder (the contact
    list views)."""
    parsed = parse_query(text, resolver or await load_resolver(session, org_id))
    where = [to_sql(parsed, org_id)]
    if status is not None:
        where.append(Contact.status == status)
    if group_id is not None:
        where.append(
            Contact.id.in_(
                select(contact_group_contacts.c.contact_id).where(
                    contact_group_contacts.c.group_id == group_id
                )
            )
        )
    if exclude_ids:
        where.append(Contact.id.not_in(exclude_ids))
    total = (await session.execute(select(func.count()).select_from(Contact).where(*where))).scalar_one()
    page = _sorted(select(Contact.id).where(*where), sort).offset(offset).limit(limit)
    ids = list((await session.execute(page)).scalars())
    return SearchResult(parsed.normalized, parsed.metadata, ids, total)


async def contact_ids_for_query(
    session: AsyncSession, org_id: int, query: ParsedQuery | str, *, active_only: bool = True
) -> list[int]:
    """Every matching contact id in id order (flow starts, broadcasts). Only active contacts by default:
    blocked, stopped and archived contacts are never messaged."""
    parsed = (
        query if isinstance(query, ParsedQuery) else parse_query(query, await load_resolver(session, org_id))
    )
    stmt = select(Contact.id).where(to_sql(parsed, org_id)).order_by(Contact.id)
    if active_only:
        stmt = stmt.where(Contact.status == "A")
    return list((await session.execute(stmt)).scalars())
