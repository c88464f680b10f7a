"""flow_starts: list (GET) starts made by users or the API; start a flow (POST) for URNs, contacts and
groups. Mailroom does the starting (contract: start_flow {"start_id"} on tasks:batch)."""

import json
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactGroup, Flow, FlowStart
from upesi.db.models.flows import flow_start_contacts, flow_start_groups
from upesi.domain.flow_starts import create_flow_start, queue_flow_start
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import boolean, read_body, string
from web.api.v2.errors import Errors
from web.api.v2.extra import normalize_extra
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.recipients import linked_refs, validate_recipients
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import in_org, org_select
from web.api.v2.shapes import refs_by_id
from web.api.v2.values import fmt_dt, is_uuid

STATUSES = {
    "P": "pending",
    "Q": "queued",
    "S": "started",
    "C": "completed",
    "F": "failed",
    "I": "interrupted",
}
MAX_PARAMS_CHARS = 10_000


async def serialize_starts(session: AsyncSession, starts: list[FlowStart]) -> list[dict[str, Any]]:
    ids = [s.id for s in starts]
    flows = await refs_by_id(session, Flow, (s.flow_id for s in starts))
    contacts = await linked_refs(session, flow_start_contacts, "start_id", "contact_id", Contact, ids)
    groups = await linked_refs(session, flow_start_groups, "start_id", "group_id", ContactGroup, ids)
    return [
        {
            "id": s.id,
            "uuid": str(s.uuid),
            "flow": flows.get(s.flow_id),
            "status": STATUSES.get(s.status, "pending"),
            "progress": {
                "total": s.contact_count if s.contact_count is not None else -1,
                "started": s.contacts_done,
            },
            "groups": groups.get(s.id, []),
            "contacts": contacts.get(s.id, []),
            "restart_participants": s.restart_participants,
            "exclude_active": s.exclude_active,
            "params": s.params or {},
            "extra": s.params or {},
            "created_on": fmt_dt(s.created_on),
            "modified_on": fmt_dt(s.modified_on),
        }
        for s in starts
    ]


@endpoint(
    "flow_starts",
    "GET",
    "flows.flowstart_list",
    summary="List flow starts",
    params=["uuid", "id", "before", "after"],
    response=objects.Page[objects.FlowStart],
)
async def list_starts(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = select(FlowStart).where(in_org(ctx, FlowStart), FlowStart.created_by_id.is_not(None))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(FlowStart.uuid == uuid)
        if (start_id := params.get_int(request, "id")) is not None:
            stmt = stmt.where(FlowStart.id == start_id)
        if before := params.get_date(request, "before"):
            stmt = stmt.where(FlowStart.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(FlowStart.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [FlowStart.modified_on, FlowStart.id], lambda s: (s.modified_on, s.id)
        )
        return page.response(await serialize_starts(session, page.rows))


def start_params(data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """`params`, or the deprecated `extra` CHT's outbound push still sends."""
    name = "params" if data.get("params") is not None else "extra"
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(name, "Must be a valid JSON object")
        return {}
    if name == "extra":
        return normalize_extra(value)  # as RapidPro, which limits extra by normalizing, not by size
    if len(json.dumps(value)) > MAX_PARAMS_CHARS:
        errors.add(name, "Cannot exceed 10,000 characters encoded.")
        return {}
    return value


@endpoint(
    "flow_starts", "POST", "flows.flowstart_create", summary="Start a flow",
    body=["flow", "urns", "contacts", "groups", "restart_participants", "exclude_active", "params", "extra"], response=objects.FlowStart,
)  # fmt: skip
async def create_start(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    flow_ref = string(data, "flow", errors, required=True)
    restart = boolean(data, "restart_participants", errors, default=True)
    exclude_active = boolean(data, "exclude_active", errors, default=False)
    start_params_value = start_params(data, errors)
    async with transaction() as session:
        flow = None
        if flow_ref:
            if is_uuid(flow_ref):
                flow = (
                    await session.execute(org_select(ctx, Flow).where(Flow.uuid == flow_ref))
                ).scalar_one_or_none()
            if flow is None:
                errors.add("flow", f"No such object: {flow_ref}")
        recipients = await validate_recipients(session, ctx, data, errors)
        errors.raise_if_any()
        assert flow is not None
        zapier = "zapier" in request.headers.get("user-agent", "").lower()
        start = await create_flow_start(
            session, org=ctx.org, flow=flow, start_type="Z" if zapier else "A", created_by_id=ctx.user_id,
            group_ids=recipients.group_ids, contact_ids=recipients.contact_ids, urns=recipients.urns,
            restart_participants=bool(restart), exclude_active=bool(exclude_active), params=start_params_value,
        )  # fmt: skip
        await session.refresh(start)
        shape = (await serialize_starts(session, [start]))[0]
    await queue_flow_start(org=ctx.org, start=start)
    return created(shape)
