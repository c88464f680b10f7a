"""broadcasts: list (GET), send to URNs, contacts and groups (POST)."""

from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Broadcast, Contact, ContactGroup, Msg
from upesi.db.models.msgs import broadcast_contacts, broadcast_groups
from upesi.queues.committed import push_committed
from upesi.queues.tasks import SendBroadcast
from web.api.v2 import objects, params
from web.api.v2.auth import APIContext
from web.api.v2.body import is_language, read_body, string, translations
from web.api.v2.errors import Errors
from web.api.v2.messages import MAX_TEXT, media_attachments, parse_quick_replies
from web.api.v2.msg_shapes import quick_reply
from web.api.v2.pagination import empty_page, paginate
from web.api.v2.recipients import linked_refs, save_links, validate_recipients
from web.api.v2.routing import created, endpoint
from web.api.v2.scoping import in_org
from web.api.v2.values import fmt_dt, new_uuid

MAX_ATTACHMENTS = 10
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


async def serialize_broadcasts(
    session: AsyncSession, broadcasts: list[Broadcast], anon: bool = False
) -> list[dict[str, Any]]:
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
                "urns": None if anon else list(b.urns or []),  # RapidPro hides them from anonymous workspaces
                "contacts": contacts.get(b.id, []),
                "groups": groups.get(b.id, []),
                "text": {lang: t.get("text") for lang, t in trans.items()},
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
    response=objects.Page[objects.Broadcast],
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
        return page.response(await serialize_broadcasts(session, page.rows, ctx.org.is_anon))


@endpoint(
    "broadcasts", "POST", "msgs.broadcast_create", summary="Send a broadcast",
    body=["urns", "contacts", "groups", "text", "attachments", "quick_replies", "base_language"], response=objects.Broadcast,
)  # fmt: skip
async def send_broadcast(request: Request, ctx: APIContext) -> Any:
    """RapidPro's BroadcastWriteSerializer: text, attachments and quick replies each as one value (the workspace
    language) or per language; a given base language must be in every one of them that is given."""
    data = await read_body(request)
    errors = Errors()
    default_lang = default_language(ctx)
    base_language = None
    if data.get("base_language") is not None:
        base_language = string(data, "base_language", errors, max_length=3)
        if base_language and not is_language(base_language):
            errors.add("base_language", "Not an allowed ISO 639-3 language code.")
    text = (
        translations(data, "text", errors, default_lang, max_length=MAX_TEXT)
        if data.get("text") is not None
        else None
    )
    async with transaction() as session:
        recipients = await validate_recipients(session, ctx, data, errors)
        attachments = await _translated_attachments(
            session, ctx, data.get("attachments"), default_lang, errors
        )
        replies = _translated_quick_replies(data.get("quick_replies"), default_lang, errors)
        errors.raise_if_any()
        if not (text or attachments):
            errors.add("non_field_errors", "Must provide either text or attachments.")
        elif not recipients:
            errors.add("non_field_errors", "Must provide either urns, contacts or groups.")
        elif base_language and base_language not in (text or {}):
            errors.add("non_field_errors", "No text translation provided in base language.")
        elif base_language and attachments and base_language not in attachments:
            errors.add("non_field_errors", "No attachment translations provided in base language.")
        elif base_language and replies and base_language not in replies:
            errors.add("non_field_errors", "No quick_replies translations provided in base language.")
        errors.raise_if_any()
        # one translation per language, holding only what was given for it (RapidPro's shape)
        trans: dict[str, dict[str, Any]] = {}
        for key, values in (("text", text or {}), ("attachments", attachments), ("quick_replies", replies)):
            for code, value in values.items():
                trans.setdefault(code, {})[key] = value
        lang = base_language or next(iter(trans))
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
        shape = (await serialize_broadcasts(session, [broadcast], ctx.org.is_anon))[0]
    await push_committed(ctx.org_id, SendBroadcast(broadcast_id=broadcast.id))
    return created(shape)


def _per_language(raw: Any, default_lang: str, errors: Errors, field: str) -> dict[str, Any]:
    """RapidPro's TranslatedField: a list is the workspace language's; a dict is keyed by ISO 639-3 codes."""
    if raw is None:
        return {}
    if isinstance(raw, (str, list)):
        return {default_lang: raw}
    if not isinstance(raw, dict) or not raw:
        errors.add(field, "This dictionary may not be empty." if isinstance(raw, dict) else
                   f'Expected a dictionary of items but got type "{type(raw).__name__}".')  # fmt: skip
        return {}
    bad = {str(code): ["Not an allowed ISO 639-3 language code."] for code in raw if not is_language(code)}
    if bad:
        errors.nested(field, bad)
        return {}
    return raw


async def _translated_attachments(
    session: AsyncSession, ctx: APIContext, raw: Any, default_lang: str, errors: Errors
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, refs in _per_language(raw, default_lang, errors, "attachments").items():
        refs = refs if isinstance(refs, list) else [refs]
        if len(refs) > MAX_ATTACHMENTS:
            errors.add("attachments", f"Ensure this field has no more than {MAX_ATTACHMENTS} elements.")
            continue
        out[code] = await media_attachments(session, ctx, [str(r) for r in refs], errors, "attachments")
    return out


def _translated_quick_replies(raw: Any, default_lang: str, errors: Errors) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    by_lang: dict[str, Any] = {}
    for code, items in _per_language(raw, default_lang, errors, "quick_replies").items():
        replies, problem = parse_quick_replies(items)
        if problem:
            by_lang[code] = problem if isinstance(problem, dict) else [problem]
        else:
            out[code] = replies
    if by_lang:
        errors.nested("quick_replies", by_lang)
    return out
