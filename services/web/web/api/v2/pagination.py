"""Cursor pagination as DRF's CursorPagination presents it ({next, previous, results}, opaque `cursor=`
in absolute URLs, 250 a page), implemented as keyset pagination: the cursor carries the sort key of the
row at the page edge, so deep pages cost the same as the first (no OFFSET scans).

Orderings are all-descending by default (-modified_on, -id) or all-ascending with reverse=true, so a
row-value comparison (a, b) < (x, y) selects the rows after the edge.
"""

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from web.api.v2.errors import detail
from web.api.v2.values import parse_dt

PAGE_SIZE = 250


@dataclass
class Page:
    rows: list[Any]
    next: str | None
    previous: str | None

    def response(self, results: list[Any]) -> dict[str, Any]:
        return {"next": self.next, "previous": self.previous, "results": results}


def _encode(position: Sequence[Any], backwards: bool) -> str:
    values = [
        {"d": v.isoformat()}
        if isinstance(v, datetime)
        else {"t": v.isoformat()}
        if isinstance(v, date)
        else v
        for v in position
    ]
    raw = json.dumps({"p": values, "r": int(backwards)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[list[Any], bool]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = []
        for v in raw["p"]:
            if isinstance(v, dict) and "t" in v:
                values.append(date.fromisoformat(v["t"]))
            elif isinstance(v, dict):
                parsed = parse_dt(v["d"])
                if parsed is None:
                    raise ValueError("bad date in cursor")
                values.append(parsed)
            else:
                values.append(v)
        return values, bool(raw.get("r"))
    except (ValueError, KeyError, TypeError) as e:
        raise detail(404, "Invalid cursor") from e


async def paginate(
    session: AsyncSession,
    request: Request,
    stmt: Select[*tuple[Any, ...]],
    sort: Sequence[Any],
    key: Callable[[Any], Sequence[Any]],
    *,
    descending: bool = True,
    scalars: bool = True,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of `stmt` ordered by the `sort` expressions; `key(row)` gives a row's values for them."""
    cursor = request.query_params.get("cursor")
    position, backwards = _decode(cursor) if cursor else (None, False)
    if position is not None and len(position) != len(sort):
        raise detail(404, "Invalid cursor")

    # walking backwards flips the direction of both the comparison and the ordering
    ascending = descending == backwards
    if position is not None:
        edge = tuple_(*sort)
        stmt = stmt.where(edge > tuple_(*position) if ascending else edge < tuple_(*position))
    stmt = stmt.order_by(*[s.asc() if ascending else s.desc() for s in sort]).limit(page_size + 1)
    result = await session.execute(stmt)
    rows = list(result.scalars().all() if scalars else result.all())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()

    has_next = (more and not backwards) or (backwards and position is not None)
    has_prev = (more and backwards) or (not backwards and position is not None)
    next_url = prev_url = None
    if rows and has_next:
        next_url = str(request.url.include_query_params(cursor=_encode(key(rows[-1]), False)))
    if rows and has_prev:
        prev_url = str(request.url.include_query_params(cursor=_encode(key(rows[0]), True)))
    return Page(rows, next_url, prev_url)


def empty_page() -> dict[str, Any]:
    return {"next": None, "previous": None, "results": []}
