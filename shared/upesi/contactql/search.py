"""Running a query: a page of matching contacts for search (mailroom's contact/search shape), and all
matching ids for starts and broadcasts. Parsing errors surface as QueryError for the caller to render.

A search's total is exact up to COUNT_EXACT_UP_TO matches; beyond that it is PostgreSQL's estimate and
`total_estimated` says so. Counting every match reads every matching row (200,000 contacts of a district took
over a second at 1,000,000 contacts, and counting 10,000 of them still 120 ms on a loaded machine); RapidPro's
totals come from Elasticsearch, which keeps counts cheap. The estimate was within 3% on the scale benchmark's
field queries (bench/bench_api_scale.py): PostgreSQL's statistics on contacts.fields_search.
"""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, Executable, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

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


COUNT_EXACT_UP_TO = 1_000  # 20 pages of the contact list


@dataclass
class SearchResult:
    query: str  # normalised
    metadata: dict[str, Any]
    contact_ids: list[int]
    total: int
    total_estimated: bool = False  # more than COUNT_EXACT_UP_TO matches: the planner's estimate


def _sorted(stmt: Select[Any], sort: str) -> Select[Any]:
    """ "-created_on" sorts newest first; ties (and the default) fall back to id so pages are stable."""
    key = sort.lstrip("-") or "id"
    if key not in SORTS:
        raise ValueError(f"can't sort by '{key}', expected one of {', '.join(sorted(SORTS))}")
    col = SORTS[key]
    desc = sort.startswith("-")
    order = col.desc() if desc else col.asc()
    # only where NULLs can be: an index scan gives "id DESC" but not "id DESC NULLS LAST" (PostgreSQL does not
    # drop the clause for NOT NULL columns), and without it a broad search sorted every match for a page
    if Contact.__table__.c[col.key].nullable:
        order = order.nulls_last()
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
    page = _sorted(select(Contact.id).where(*where), sort).offset(offset).limit(limit)
    ids = list((await session.execute(page)).scalars())
    total, estimated = await _count(session, where)
    return SearchResult(parsed.normalized, parsed.metadata, ids, total, estimated)


async def _count(session: AsyncSession, where: list[Any]) -> tuple[int, bool]:
    """(matches, estimated): counted up to COUNT_EXACT_UP_TO, estimated by the planner beyond."""
    capped = select(literal(1)).select_from(Contact).where(*where).limit(COUNT_EXACT_UP_TO + 1).subquery()
    counted = (await session.execute(select(func.count()).select_from(capped))).scalar_one()
    if counted <= COUNT_EXACT_UP_TO:
        return counted, False
    plan = (await session.execute(_Explain(select(Contact.id).where(*where)))).scalar_one()
    rows = int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
    return max(rows, counted), True


class _Explain(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a statement, its parameters bound as the statement's own would be."""

    inherit_cache = False

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


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
