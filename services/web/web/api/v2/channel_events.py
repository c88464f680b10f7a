"""channel_events: list (GET, deprecated upstream but still called)."""

from typing import Any

from fastapi import Request
from sqlalchemy import select

from upesi.db.engine import transaction
from upesi.db.models import Channel, ChannelEvent, Contact
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import endpoint
from web.api.v2.scoping import in_org
from web.api.v2.shapes import refs_by_id
from web.api.v2.values import fmt_dt

# stored codes (RapidPro's ChannelEvent types, as courier and mailroom write them) -> the names the API shows
API_TYPES = {
    "mt_call": "call-out", "mt_miss": "call-out-missed", "mo_call": "call-in", "mo_miss": "call-in-missed",
    "stop_contact": "stop-contact", "new_conversation": "new-conversation", "referral": "referral",
    "welcome_message": "welcome-message", "optin": "optin", "optout": "optout", "delete_contact": "delete-contact",
}  # fmt: skip


@endpoint(
    "channel_events",
    "GET",
    "channels.channelevent_list",
    summary="List channel events",
    params=["id", "contact", "before", "after"],
    listed=False,
    response=objects.Page[objects.ChannelEvent],
)  # fmt: skip  (deprecated upstream, unlisted)
async def list_channel_events(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = select(ChannelEvent).where(in_org(ctx, ChannelEvent))
    try:
        if (event_id := params.get_int(request, "id")) is not None:
            stmt = stmt.where(ChannelEvent.id == event_id)
        if contact := params.get_filter_uuid(request, "contact"):
            stmt = stmt.where(
                ChannelEvent.contact_id
                == select(Contact.id).where(in_org(ctx, Contact), Contact.uuid == contact).scalar_subquery()
            )
        if before := params.get_date(request, "before"):
            stmt = stmt.where(ChannelEvent.created_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(ChannelEvent.created_on >= after)
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [ChannelEvent.created_on, ChannelEvent.id], lambda e: (e.created_on, e.id)
        )
        contacts = await refs_by_id(session, Contact, (e.contact_id for e in page.rows))
        channels = await refs_by_id(session, Channel, (e.channel_id for e in page.rows))
        return page.response(
            [
                {
                    "id": e.id,
                    "type": API_TYPES.get(e.event_type, e.event_type),
                    "contact": contacts.get(e.contact_id) if e.contact_id else None,
                    "channel": channels.get(e.channel_id),
                    "extra": e.extra or {},
                    "occurred_on": fmt_dt(e.occurred_on),
                    "created_on": fmt_dt(e.created_on),
                }
                for e in page.rows
            ]
        )
