"""broadcasts: list (GET), send to URNs, contacts and groups (POST)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Broadcast, Contact, ContactGroup, Msg
from upesi.db.models.msgs import broadcast_contacts, broadcast_groups
from upesi.queues.redis import get_redis
from upesi.queues.tasks import SendBroadcast, queue_task
from web.api.v2 import params
from web.api.v2.auth import APIContext
from web.api.v2.body import read_body, string, translations
from web.api.v2.errors import Errors
from web.api.v2.messages import media_attachments, quick_replies
from web.api.v2.msg_shapes import quick_reply
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.recipients import linked_refs, save_links, validate_recipients
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import in_org
from web.api.v2.values import fmt_dt, new_uuid

STATUSES = {
    "P": "pending",
    "Q": "queued",
    "S": "started",
    "C": "completed",
    "F": "failed",
    "I": "interrupted",
}


def default_language(ctx: APIContext) -> str:
    return (ctx.org.languages or ["eng"])[0]


async def serialize_broadcasts(session: AsyncSession, broadcasts: list[Broadcast]) -> list[dict[str, Any]]:
    ids = [b.id for b in broadcasts]
    contacts = await linked_refs(session, broadcast_contacts, "broadcast_id", "contact_id", Contact, ids)
    groups = await linked_refs(session, broadcast_groups, "broadcast_id", "group_id", ContactGroup, ids)
    started: dict[int, int] = {}
    if ids:
        rows = await session.execute(
            select(Msg.broadcast_id, func.count()).where(Msg.broadcast_id.in_(ids)).group_by(Msg.broadcast_id)
        )
        started = {bid: count for bid, count in rows if bid is not None}
    out = []
    for b in broadcasts:
        trans = b.translations or {}
        out.append(
            {
                "id": b.id,
                "uuid": str(b.uuid),
                "status": STATUSES.get(b.status, "pending"),
                "progress": {
                    "total": b.contact_count if b.contact_count is not None else -1,
                    "started": started.get(b.id, 0),
                },
                "urns": list(b.urns or []),
                "contacts": contacts.get(b.id, []),
                "groups": groups.get(b.id, []),
                "text": {lang: t.get("text") or "" for lang, t in trans.items()},
                "attachments": {lang: list(t.get("attachments") or []) for lang, t in trans.items()},
                "quick_replies": {
                    lang: [quick_reply(q) for q in t.get("quick_replies") or []] for lang, t in trans.items()
                },
                "base_language": b.base_language,
                "created_on": fmt_dt(b.created_on),
            }
        )
    return out


@endpoint(
    "broadcasts",
    "GET",
    "msgs.broadcast_list",
    summary="List broadcasts",
    params=["uuid", "id", "before", "after"],
)
async def list_broadcasts(request: Request, ctx: APIContext) -> dict[str, Any]:
    stmt = select(Broadcast).where(in_org(ctx, Broadcast), Broadcast.is_active, Broadcast.schedule.is_(None))
    try:
        if uuid := params.get_uuid(request, "uuid"):
            stmt = stmt.where(Broadcast.uuid == uuid)
        if (broadcast_id := params.get_int(request, "id")) is not None:
            stmt = stmt.where(Broadcast.id == broadcast_id)
        if before := params.get_date(request, "before"):
            stmt = stmt.where(Broadcast.created_on <= before)
        if after := params.get_date(request, "after"):
            stmt = stmt.where(Broadcast.created_on >= after)
    except params.EmptyResult:
        return empty_page()
    async with transaction() as session:
        page = await paginate(
            session, request, stmt, [Broadcast.created_on, Broadcast.id], lambda b: (b.created_on, b.id)
        )
        return page.response(await serialize_broadcasts(session, page.rows))


@endpoint(
    "broadcasts", "POST", "msgs.broadcast_create", summary="Send a broadcast",
    body=["urns", "contacts", "groups", "text", "attachments", "quick_replies", "base_language"],
)  # fmt: skip
async def send_broadcast(request: Request, ctx: APIContext) -> Any:
    data = await read_body(request)
    errors = Errors()
    base_language = string(data, "base_language", errors) or None
    if base_language is not None and len(base_language) != 3:
        errors.add("base_language", "Ensure this field has no more than 3 characters.")
    lang = base_language or default_language(ctx)
    text = translations(data, "text", errors, lang, max_length=4096) or {}
    if base_language is None and text and lang not in text:
        lang = next(iter(text))  # a dict without the workspace language: its first language is the base
    async with transaction() as session:
        recipients = await validate_recipients(session, ctx, data, errors)
        raw_attachments = data.get("attachments") or {}
        if isinstance(raw_attachments, list):
            raw_attachments = {lang: raw_attachments}
        attachments: dict[str, list[str]] = {}
        if isinstance(raw_attachments, dict):
            for att_lang, refs in raw_attachments.items():
                refs = refs if isinstance(refs, list) else [refs]
                attachments[att_lang] = await media_attachments(
                    session, ctx, [str(r) for r in refs], errors, "attachments"
                )
        else:
            errors.add("attachments", "Must be a dict of languages to lists of media UUIDs.")
        replies = quick_replies(data, errors) if isinstance(data.get("quick_replies"), list) else []
        if not errors:
            if not recipients:
                errors.add("non_field_errors", "Must provide either urns, contacts or groups.")
            if not text.get(lang) and not attachments.get(lang):
                errors.add("text" if text else "non_field_errors", "Must provide either text or attachments.")
        errors.raise_if_any()
        langs = set(text) | set(attachments)
        trans = {
            code: {"text": text.get(code, ""), "attachments": attachments.get(code, []),
                   "quick_replies": replies if code == lang else []}
            for code in langs
        }  # fmt: skip
        broadcast = Broadcast(
            uuid=new_uuid(), org_id=ctx.org_id, translations=trans, base_language=lang, status="P",
            urns=recipients.urns, created_by_id=ctx.user_id,
        )  # fmt: skip
        session.add(broadcast)
        await session.flush()
        await save_links(
            session, broadcast_contacts, "broadcast_id", broadcast.id, "contact_id", recipients.contact_ids
        )
        await save_links(
            session, broadcast_groups, "broadcast_id", broadcast.id, "group_id", recipients.group_ids
        )
        await session.refresh(broadcast)
        shape = (await serialize_broadcasts(session, [broadcast]))[0]
    await queue_task(get_redis(), ctx.org_id, SendBroadcast(broadcast_id=broadcast.id))
    return created(shape)
