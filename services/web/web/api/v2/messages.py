"""messages: list (GET) by folder, contact, label or broadcast; send one (POST)."""

import re
from typing import Any

from fastapi import Request
from sqlalchemy import exists, func, select

from upesi.db.engine import transaction
from upesi.db.models import Channel, Contact, ContactURN, Label, Media, Msg, msg_labels
from upesi.queues.committed import push_committed
from upesi.queues.tasks import SendMsg
from upesi.quick_replies import encode
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string, string_list
from web.api.v2.errors import Errors
from web.api.v2.msg_shapes import SHOWN_COLUMNS, serialize_msgs
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import in_org
from web.api.v2.values import is_uuid, new_uuid

OUT_SENT = ("W", "S", "D", "R")
FOLDERS = {
    "inbox": lambda: (
        (Msg.direction == "I") & (Msg.visibility == "V") & (Msg.status == "H") & Msg.flow_id.is_(None)
    ),
    "flows": lambda: (
        (Msg.direction == "I") & (Msg.visibility == "V") & (Msg.status == "H") & Msg.flow_id.is_not(None)
    ),
    "archived": lambda: (Msg.direction == "I") & (Msg.visibility == "A"),
    "outbox": lambda: (Msg.direction == "O") & (Msg.visibility == "V") & Msg.status.in_(("P", "I", "Q", "E")),
    "sent": lambda: (Msg.direction == "O") & (Msg.visibility == "V") & Msg.status.in_(OUT_SENT),
    "failed": lambda: (Msg.direction == "O") & (Msg.visibility == "V") & (Msg.status == "F"),
    "incoming": lambda: (Msg.direction == "I") & (Msg.visibility == "V") & (Msg.status == "H"),
}
MAX_TEXT = 4096


@endpoint(
    "messages", "GET", "msgs.msg_list", scope="v2.messages", summary="List messages",
    params=["uuid", "id", "broadcast", "contact", "folder", "label", "before", "after"], response=objects.Page[objects.Message],
)  # fmt: skip
async def list_messages(request: Request, ctx: APIContext) -> dict[str, Any]:
    params.exclusive(request, ("contact", "folder", "label", "broadcast"))
    folder = (params.get(request, "folder") or "").lower()
    stmt = select(*SHOWN_COLUMNS).where(in_org(ctx, Msg))
    sort: list[Any] = [Msg.created_on, Msg.id]
    if folder:
        if folder not in FOLDERS:
            return empty_page()
        stmt = stmt.where(FOLDERS[folder]())
        if folder == "sent":
            sort = [func.coalesce(Msg.sent_on, Msg.created_on), Msg.id]
    else:
        # everything visible or archived, except incoming messages not yet handled
        stmt = stmt.where(Msg.visibility.in_(("V", "A")), ~((Msg.direction == "I") & (Msg.status == "P")))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(Msg.uuid == uuid)
        if (msg_id := params.get_int(request, "id")) is not None:
            stmt = stmt.where(Msg.id == msg_id)
        if (broadcast := params.get_int(request, "broadcast")) is not None:
            stmt = stmt.where(Msg.broadcast_id == broadcast)
        if contact := params.get_filter_uuid(request, "contact"):
            stmt = stmt.where(
                Msg.contact_id
                == select(Contact.id).where(in_org(ctx, Contact), Contact.uuid == contact).scalar_subquery()
            )
        if label := params.get(request, "label"):
            cond = Label.uuid == label if is_uuid(label) else func.lower(Label.name) == label.lower()
            stmt = stmt.where(
                exists()
                .where(msg_labels.c.msg_id == Msg.id, msg_labels.c.label_id == Label.id)
                .where(in_org(ctx, Label), Label.is_active, cond)
            )
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Msg.created_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Msg.created_on >= after)
    except params.EmptyResult:
        return empty_page()

    def key(m: Any) -> tuple[Any, int]:
        return ((m.sent_on or m.created_on) if folder == "sent" else m.created_on, m.id)

    async with transaction() as session:
        page = await paginate(session, request, stmt, sort, key, scalars=False)
        return page.response(await serialize_msgs(session, page.rows, ctx.org.is_anon))


async def pick_destination(session: Any, ctx: APIContext, contact_id: int) -> tuple[int | None, int | None]:
    """(contact URN id, channel id) to send on: the highest-priority URN that has a channel, preferring
    the URN's own channel affinity, else the workspace's first sending channel for its scheme."""
    urns = (
        (
            await session.execute(
                select(ContactURN)
                .where(ContactURN.contact_id == contact_id)
                .order_by(ContactURN.priority.desc(), ContactURN.id)
            )
        )
        .scalars()
        .all()
    )
    if not urns:
        return None, None
    channels = (
        (
            await session.execute(
                select(Channel).where(in_org(ctx, Channel), Channel.is_active).order_by(Channel.id)
            )
        )
        .scalars()
        .all()
    )
    senders = [c for c in channels if "S" in (c.role or "S")]
    for urn in urns:
        affinity = next((c for c in senders if c.id == urn.channel_id), None)
        if affinity is not None:
            return urn.id, affinity.id
        for channel in senders:
            if urn.scheme in (channel.schemes or ["tel"]):
                return urn.id, channel.id
    return urns[0].id, None


async def media_attachments(
    session: Any, ctx: APIContext, refs: list[str], errors: Errors, field: str
) -> list[str]:
    """Media UUIDs (from POST media) as `content_type:url` attachments; a URL is taken as is."""
    # RapidPro's MediaField: a media UUID, or a `content_type:url` whose URL names one of our media by UUID
    named = {r: (r if is_uuid(r) else _uuid_in(r)) for r in refs}
    uuids = [u for u in named.values() if u]
    found: dict[str, Media] = {}
    if uuids:
        rows = await session.execute(select(Media).where(in_org(ctx, Media), Media.uuid.in_(uuids)))
        found = {str(m.uuid): m for m in rows.scalars()}
    out = []
    for ref in refs:
        media = found.get(named[ref] or "")
        if media is not None:
            out.append(f"{media.content_type}:{media.url}")
        elif ":" in ref and "/" in ref.split(":", 1)[0] and not is_uuid(ref):
            out.append(ref)  # already content_type:url
        else:
            errors.add(field, f"No such object: {ref}")
    return out


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _uuid_in(ref: str) -> str | None:
    found = _UUID_RE.search(ref)
    return found.group(0).lower() if found else None


QUICK_REPLY_TYPES = ("text", "form", "url", "location")
MAX_QUICK_REPLIES = 10


def quick_reply_error(item: Any) -> str | None:
    """RapidPro's QuickReplySerializer rules for one quick reply ({"type"?, "text", "extra"?})."""
    if not isinstance(item, dict):
        return "Invalid data. Expected a dictionary, but got " + type(item).__name__ + "."
    typ = item.get("type") or "text"
    if typ not in QUICK_REPLY_TYPES:
        return f'"{typ}" is not a valid choice.'
    if typ == "text" and not item.get("text"):
        return "Quick replies of type 'text' require a 'text' value."
    if typ in ("form", "url") and not (item.get("text") and item.get("extra")):
        return f"Quick replies of type '{typ}' require 'text' and 'extra' values."
    if typ == "location" and item.get("extra"):
        return "Quick replies of type 'location' cannot have an 'extra' value."
    if len(str(item.get("text") or "")) > 64:
        return "Ensure this field has no more than 64 characters."
    if len(str(item.get("extra") or "")) > 1000:
        return "Ensure this field has no more than 1000 characters."
    return None


def parse_quick_replies(raw: Any) -> tuple[list[dict[str, Any]], Any]:
    """A list of quick replies as {type, text, extra?} and its errors (a message, or {index: [message]})."""
    if not isinstance(raw, list):
        return [], f'Expected a list of items but got type "{type(raw).__name__}".'
    if len(raw) > MAX_QUICK_REPLIES:
        return [], f"Ensure this field has no more than {MAX_QUICK_REPLIES} elements."
    by_index = {str(i): [problem] for i, item in enumerate(raw) if (problem := quick_reply_error(item))}
    if by_index:
        return [], by_index
    replies = []
    for item in raw:
        reply: dict[str, Any] = {"type": item.get("type") or "text"}
        if item.get("text") is not None:
            reply["text"] = str(item["text"])
        if item.get("extra") is not None:
            reply["extra"] = str(item["extra"])
        replies.append(reply)
    return replies, None


def quick_replies(data: dict[str, Any], errors: Errors) -> list[str]:
    """A message's quick replies in their stored form (upesi.quick_replies), type and extra kept."""
    if data.get("quick_replies") is None:
        return []
    replies, problem = parse_quick_replies(data["quick_replies"])
    if isinstance(problem, dict):
        errors.nested("quick_replies", problem)
    elif problem:
        errors.add("quick_replies", problem)
    return [encode(q) for q in replies]


@endpoint(
    "messages", "POST", "msgs.msg_create", scope="v2.messages", summary="Send a message to a contact",
    body=["contact", "text", "attachments", "quick_replies"], response=objects.Message,
)  # fmt: skip
async def send_message(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    contact_uuid = string(data, "contact", errors, required=True)
    text = string(data, "text", errors, max_length=MAX_TEXT, allow_blank=True, allow_null=True) or ""
    refs = string_list(data, "attachments", errors, max_items=10) or []
    replies = quick_replies(data, errors)
    async with transaction() as session:
        contact = None
        if contact_uuid:
            if is_uuid(contact_uuid):
                contact = (
                    await session.execute(
                        select(Contact).where(
                            in_org(ctx, Contact), Contact.uuid == contact_uuid, Contact.is_active
                        )
                    )
                ).scalar_one_or_none()
            if contact is None:
                errors.add("contact", f"No such object: {contact_uuid}")
        attachments = await media_attachments(session, ctx, refs, errors, "attachments")
        if not errors and not text.strip() and not attachments:
            errors.add("non_field_errors", "Must provide either text or attachments.")
        errors.raise_if_any()
        assert contact is not None
        urn_id, channel_id = await pick_destination(session, ctx, contact.id)
        queued = channel_id is not None and contact.status == "A"
        msg = Msg(
            uuid=new_uuid(), org_id=ctx.org_id, channel_id=channel_id, contact_id=contact.id, contact_urn_id=urn_id,
            text=text, attachments=attachments, quick_replies=replies, direction="O",
            status="Q" if queued else "F", failed_reason=None if queued else ("C" if contact.status != "A" else "D"),
            visibility="V", msg_type="T", created_by_id=ctx.user_id,
        )  # fmt: skip
        session.add(msg)
        await session.flush()
        await session.refresh(msg)
        shape = (await serialize_msgs(session, [msg], ctx.org.is_anon))[0]
    if queued:
        # after the commit, so mailroom always finds the row
        await push_committed(ctx.org_id, SendMsg(msg_id=msg.id))
    return created(shape)
