"""tickets (GET): the workspace's tickets, most recently modified first (RapidPro's TicketsEndpoint with
ModifiedOnCursorPagination), filterable by ticket uuid, contact and modified_on (before/after)."""

from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Contact, Flow, Ticket, Topic, User
from upesi.db.models.tickets import TICKET_CLOSED, TICKET_OPEN
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org, org_select
from web.api.v2.shapes import refs_by_id
from web.api.v2.values import fmt_dt

STATUSES = {TICKET_OPEN: "open", TICKET_CLOSED: "closed"}


async def users_by_id(session: AsyncSession, ids: list[int | None]) -> dict[int, dict[str, str]]:
    """{id: {"email", "name"}}, RapidPro's UserField, in one query."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.execute(
        select(User.id, User.email, User.first_name, User.last_name).where(User.id.in_(wanted))
    )
    return {r.id: {"email": r.email, "name": f"{r.first_name} {r.last_name}".strip()} for r in rows}


async def serialize_tickets(session: AsyncSession, tickets: list[Ticket]) -> list[dict[str, Any]]:
    contacts = await refs_by_id(session, Contact, [t.contact_id for t in tickets])
    topics = await refs_by_id(session, Topic, [t.topic_id for t in tickets])
    flows = await refs_by_id(session, Flow, [t.opened_in_id for t in tickets])
    users = await users_by_id(session, [t.assignee_id for t in tickets] + [t.opened_by_id for t in tickets])
    return [
        {
            "uuid": str(t.uuid),
            "contact": contacts.get(t.contact_id),
            "status": STATUSES.get(t.status),
            "topic": topics.get(t.topic_id),
            "body": None,  # deprecated in RapidPro, always null
            "assignee": users.get(t.assignee_id) if t.assignee_id else None,
            "opened_on": fmt_dt(t.opened_on),
            "opened_by": users.get(t.opened_by_id) if t.opened_by_id else None,
            "opened_in": flows.get(t.opened_in_id) if t.opened_in_id else None,
            "modified_on": fmt_dt(t.modified_on),
            "closed_on": fmt_dt(t.closed_on),
        }
        for t in tickets
    ]


@endpoint("tickets", "GET", "tickets.ticket_list", summary="List tickets",
          params=["uuid", "contact", "before", "after", "reverse"], response=objects.Page[objects.Ticket])  # fmt: skip
async def list_tickets(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = org_select(ctx, Ticket)
    try:
        if contact := params.get_uuid(request, "contact"):
            # an unknown or deleted contact matches nothing, as in RapidPro
            stmt = stmt.where(
                Ticket.contact_id
                == select(Contact.id)
                .where(in_org(ctx, Contact), Contact.is_active, Contact.uuid == contact)
                .scalar_subquery()
            )
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(Ticket.uuid == uuid)
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Ticket.modified_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Ticket.modified_on >= after)
    except params.EmptyResult:
        return empty_page()
    reverse = params.get_bool(request, "reverse") is True
    async with transaction() as session:
        page = await paginate(session, request, stmt, [Ticket.modified_on, Ticket.id],
                              lambda t: (t.modified_on, t.id), descending=not reverse)  # fmt: skip
        return page.response(await serialize_tickets(session, page.rows))
