"""runs: list (GET) flow runs with their path and result values."""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Contact, Flow, FlowRun, FlowStart
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org
from web.api.v2.shapes import contact_summary, one_of, refs_by_id, urns_by_contact
from web.api.v2.values import fmt_dt, parse_dt

EXIT_TYPES = {"C": "completed", "I": "interrupted", "X": "expired", "F": "failed"}


# the engine's timestamps (RFC 3339, UTC or an offset, up to nanoseconds), which the standard library reads in a
# microsecond where dateutil takes forty: a page of runs has a few per run
_ENGINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def result_time(raw: str) -> datetime | None:
    """parse_dt's reading of a result's time: the same instant, read quickly in the engine's format."""
    if _ENGINE_TIME.fullmatch(raw):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass  # e.g. hour 24, which dateutil reads as the next midnight
    return parse_dt(raw)


def run_values(results: dict[str, Any]) -> dict[str, Any]:
    """The engine's run results as RapidPro's API shows them: name, value, category, node and the result's time
    in the API's datetime format (UTC, microseconds); the engine's `input` is not shown, as in RapidPro."""
    values = {}
    for key, r in (results or {}).items():
        if not isinstance(r, dict):
            continue
        raw_time = r.get("created_on") or r.get("time")
        parsed = result_time(raw_time) if isinstance(raw_time, str) else None
        values[key] = {
            "name": r.get("name"),
            "value": r.get("value"),
            "category": r.get("category"),
            "node": r.get("node_uuid") or r.get("node"),
            "time": fmt_dt(parsed) if parsed else raw_time,
        }
    return values


# what a run's shape reads: the list selects these as plain rows, which cost a fraction of ORM objects
SHOWN_COLUMNS = (
    FlowRun.id, FlowRun.uuid, FlowRun.flow_id, FlowRun.contact_id, FlowRun.start_id, FlowRun.responded,
    FlowRun.results, FlowRun.path_nodes, FlowRun.path_times, FlowRun.created_on, FlowRun.modified_on,
    FlowRun.exited_on, FlowRun.status,
)  # fmt: skip


async def serialize_runs(
    session: AsyncSession, runs: Sequence[Any], paths: bool, anon: bool
) -> list[dict[str, Any]]:
    """Runs (rows of SHOWN_COLUMNS) in the API shape; flows, contacts, URNs and starts in one query each."""
    if not runs:
        return []
    flows = await refs_by_id(session, Flow, (r.flow_id for r in runs))
    contact_ids = [r.contact_id for r in runs]
    # only what a contact summary shows: the whole Contact (its fields) cost more than the run itself
    contacts = {
        c.id: c
        for c in (
            await session.execute(
                select(Contact.id, Contact.uuid, Contact.name).where(
                    one_of(Contact.id, sorted(set(contact_ids)))
                )
            )
        )
    }
    urns = await urns_by_contact(session, contact_ids)
    start_ids = sorted({r.start_id for r in runs if r.start_id})
    starts: dict[int, str] = (
        dict(
            (
                await session.execute(
                    select(FlowStart.id, FlowStart.uuid).where(one_of(FlowStart.id, start_ids))
                )
            ).all()
        )
        if start_ids
        else {}
    )
    out = []
    for r in runs:
        out.append(
            {
                "id": r.id,
                "uuid": str(r.uuid),
                "flow": flows.get(r.flow_id),
                "contact": contact_summary(contacts.get(r.contact_id), urns.get(r.contact_id, []), anon),
                "start": {"uuid": str(starts[r.start_id])} if r.start_id in starts else None,
                "responded": r.responded,
                "path": [
                    {"node": n, "time": fmt_dt(t)}
                    for n, t in zip(r.path_nodes or [], r.path_times or [], strict=False)
                ]
                if paths
                else None,
                "values": run_values(r.results),
                "created_on": fmt_dt(r.created_on),
                "modified_on": fmt_dt(r.modified_on),
                "exited_on": fmt_dt(r.exited_on),
                "exit_type": EXIT_TYPES.get(r.status),
            }
        )
    return out


@endpoint(
    "runs", "GET", "flows.flowrun_list", scope="v2.runs", summary="List flow runs",
    params=["uuid", "id", "flow", "contact", "responded", "before", "after", "reverse", "paths"], response=objects.Page[objects.Run],
)  # fmt: skip
async def list_runs(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.exclusive(request, ("contact", "flow"))
    stmt = select(*SHOWN_COLUMNS).where(in_org(ctx, FlowRun))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(FlowRun.uuid == uuid)
        if (run_id := params.get_int(request, "id")) is not None:
            stmt = stmt.where(FlowRun.id == run_id)
        if flow := params.get_uuid(request, "flow"):
            stmt = stmt.where(
                FlowRun.flow_id
                == select(Flow.id)
                .where(in_org(ctx, Flow), Flow.is_active, Flow.uuid == flow)
                .scalar_subquery()
            )
        if contact := params.get_filter_uuid(request, "contact"):
            stmt = stmt.where(
                FlowRun.contact_id
                == select(Contact.id).where(in_org(ctx, Contact), Contact.uuid == contact).scalar_subquery()
            )
        responded = params.get_bool(request, "responded")
        if responded is not None:
            stmt = stmt.where(FlowRun.responded.is_(responded))
        if before := params.get_date(request, "before"):
            stmt = stmt.where(FlowRun.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(FlowRun.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    reverse = params.get_bool(request, "reverse") is True
    paths = params.get_bool(request, "paths") is not False
    async with transaction() as session:
        page = await paginate(
            session,
            request,
            stmt,
            [FlowRun.modified_on, FlowRun.id],
            lambda r: (r.modified_on, r.id),
            descending=not reverse,
            scalars=False,
        )
        return page.response(await serialize_runs(session, page.rows, paths, ctx.org.is_anon))
