"""flows: list (GET) with run counts and the results each flow collects."""

import re
from collections import defaultdict
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Flow, FlowRevision, FlowRun
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import org_select
from web.api.v2.values import fmt_dt

TYPES = {"M": "message", "V": "voice", "B": "background", "S": "survey"}
TYPE_CODES = {name: code for code, name in TYPES.items()}
RUN_STATUSES = {
    "A": "active",
    "W": "waiting",
    "C": "completed",
    "I": "interrupted",
    "X": "expired",
    "F": "failed",
}


def result_key(name: str) -> str:
    """goflow's utils.Snakify, which keys @results."""
    return re.sub(r"[^\w]+", "_", name.strip().lower(), flags=re.UNICODE).strip("_")


def flow_results(definition: dict[str, Any]) -> list[dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    for node in definition.get("nodes") or []:
        router = node.get("router") or {}
        name = router.get("result_name")
        if not name:
            continue
        key = result_key(name)
        result = by_key.setdefault(key, {"key": key, "name": name, "categories": [], "node_uuids": []})
        for category in router.get("categories") or []:
            if category.get("name") and category["name"] not in result["categories"]:
                result["categories"].append(category["name"])
        result["node_uuids"].append(node.get("uuid"))
    return list(by_key.values())


# RapidPro's Flow.EXPIRES_CHOICES: only message and voice flows have a fixed set of expiries; a survey or
# background flow keeps what its definition says (0 when it says nothing), whatever our column defaulted to
TYPES_WITH_EXPIRY_CHOICES = {"M", "V"}


def expires(flow: Flow, definition: dict[str, Any]) -> int:
    if flow.flow_type in TYPES_WITH_EXPIRY_CHOICES:
        return flow.expires_after_minutes
    value = definition.get("expire_after_minutes", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


async def latest_definitions(session: AsyncSession, flow_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not flow_ids:
        return {}
    rows = await session.execute(
        select(FlowRevision.flow_id, FlowRevision.definition)
        .where(FlowRevision.flow_id.in_(flow_ids))
        .ext(distinct_on(FlowRevision.flow_id))
        .order_by(FlowRevision.flow_id, FlowRevision.revision.desc())
    )
    return dict(rows.all())


async def serialize_flows(session: AsyncSession, flows: list[Flow]) -> list[dict[str, Any]]:
    ids = [f.id for f in flows]
    definitions = await latest_definitions(session, ids)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        rows = await session.execute(
            select(FlowRun.flow_id, FlowRun.status, func.count())
            .where(FlowRun.flow_id.in_(ids))
            .group_by(FlowRun.flow_id, FlowRun.status)
        )
        for flow_id, status, count in rows:
            counts[flow_id][RUN_STATUSES.get(status, status)] = count
    out = []
    for f in flows:
        flow_counts = counts.get(f.id, {})
        out.append(
            {
                "uuid": str(f.uuid),
                "name": f.name,
                "type": TYPES.get(f.flow_type, "message"),
                "archived": f.is_archived,
                "labels": [],
                "expires": expires(f, definitions.get(f.id) or {}),
                "runs": {
                    "active": flow_counts.get("active", 0),
                    "waiting": flow_counts.get("waiting", 0),
                    "completed": flow_counts.get("completed", 0),
                    "interrupted": flow_counts.get("interrupted", 0),
                    "expired": flow_counts.get("expired", 0),
                    "failed": flow_counts.get("failed", 0),
                },
                "results": flow_results(definitions.get(f.id) or {}),
                "parent_refs": [],
                "created_on": fmt_dt(f.created_on),
                "modified_on": fmt_dt(f.modified_on),
            }
        )
    return out


@endpoint("flows", "GET", "flows.flow_list", summary="List flows",
          params=["uuid", "type", "archived", "before", "after"], response=objects.Page[objects.Flow])  # fmt: skip
async def list_flows(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Flow).where(Flow.is_system.is_(False))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(Flow.uuid == uuid)
        if flow_type := params.get(request, "type"):
            if flow_type.lower() not in TYPE_CODES:
                return empty_page()
            stmt = stmt.where(Flow.flow_type == TYPE_CODES[flow_type.lower()])
        archived = params.get_bool(request, "archived")
        if archived is not None:
            stmt = stmt.where(Flow.is_archived.is_(archived))
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Flow.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Flow.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Flow.created_on, Flow.id], lambda f: (f.created_on, f.id)
        )
        return page.response(await serialize_flows(session, page.rows))
