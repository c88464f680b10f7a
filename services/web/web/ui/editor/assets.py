"""The workspace's assets as the editor lists them, in API v2 list format, for the signed-in session.

API v2 authenticates with tokens; the editor runs in the browser with the session cookie, so these
session-authenticated lists live here (RapidPro's API v2 accepted both)."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.responses import JSONResponse

from upesi.db.models import (
    Channel,
    Contact,
    ContactField,
    ContactGroup,
    ContactURN,
    Flow,
    Membership,
    User,
    contact_group_contacts,
)
from upesi.db.models.globals import Global
from upesi.db.models.labels import Label, msg_labels
from upesi.db.models.media import OptIn, Topic
from upesi.db.ops.assets import FIELD_TYPES
from upesi.db.scoping import in_workspace
from upesi.domain import field_access
from web.api.v2.workspace import serialize_workspace
from web.ui.auth import Ctx, CtxDep
from web.ui.editor.common import page

router = APIRouter()

API_FLOW_TYPES = {"M": "message", "B": "background", "S": "survey", "V": "voice"}
LANGUAGE_NAMES = {
    "eng": "English",
    "fra": "French",
    "spa": "Spanish",
    "por": "Portuguese",
    "swa": "Swahili",
    "kin": "Kinyarwanda",
    "ara": "Arabic",
    "amh": "Amharic",
    "hau": "Hausa",
    "yor": "Yoruba",
    "ibo": "Igbo",
    "zul": "Zulu",
    "lug": "Ganda",
    "som": "Somali",
    "hin": "Hindi",
    "ind": "Indonesian",
    "deu": "German",
    "ita": "Italian",
    "rus": "Russian",
    "zho": "Chinese",
    "vie": "Vietnamese",
    "tha": "Thai",
    "tur": "Turkish",
    "nld": "Dutch",
    "mul": "Multiple languages",
}


async def _groups(ctx: Ctx) -> list[dict[str, Any]]:
    counts = (
        select(contact_group_contacts.c.group_id, func.count().label("n"))
        .group_by(contact_group_contacts.c.group_id)
        .subquery()
    )
    rows = await ctx.db.execute(
        select(ContactGroup, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == ContactGroup.id)
        .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
        .order_by(ContactGroup.name)
    )
    status = {"I": "initializing", "E": "evaluating", "R": "ready"}
    return [
        {
            "uuid": g.uuid,
            "name": g.name,
            "query": g.query,
            "status": status.get(g.status, "ready"),
            "system": False,
            "count": n,
        }
        for g, n in rows
    ]


async def _fields(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(
            select(ContactField)
            .where(
                in_workspace(ContactField, ctx.org.id),
                ContactField.is_active,
                ContactField.is_system.is_(False),
            )
            .order_by(ContactField.priority.desc(), ContactField.name)
        )
    ).scalars()
    return [
        {
            "key": f.key,
            "name": f.name,
            "label": f.name,
            "type": FIELD_TYPES.get(f.value_type, "text"),
            "value_type": FIELD_TYPES.get(f.value_type, "text"),
            "featured": f.show_in_table,
            "priority": f.priority,
            "usages": {"campaign_events": 0, "flows": 0, "groups": 0},
            "agent_access": field_access.name_of(f),
        }
        for f in rows
    ]


async def _labels(ctx: Ctx) -> list[dict[str, Any]]:
    counts = select(msg_labels.c.label_id, func.count().label("n")).group_by(msg_labels.c.label_id).subquery()
    rows = await ctx.db.execute(
        select(Label, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.label_id == Label.id)
        .where(in_workspace(Label, ctx.org.id), Label.is_active)
        .order_by(Label.name)
    )
    return [{"uuid": lb.uuid, "name": lb.name, "count": n} for lb, n in rows]


async def _channels(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(select(Channel).where(in_workspace(Channel, ctx.org.id), Channel.is_active))
    ).scalars()
    return [
        {
            "uuid": c.uuid,
            "name": c.name,
            "address": c.address,
            "channel_type": c.channel_type,
            "country": c.country,
            "schemes": list(c.schemes),
            "device": None,
            "created_on": c.created_on.isoformat(),
        }
        for c in rows
    ]


async def _flows(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(
            select(Flow)
            .where(in_workspace(Flow, ctx.org.id), Flow.is_active, Flow.is_archived.is_(False))
            .order_by(Flow.name)
        )
    ).scalars()
    return [
        {
            "uuid": f.uuid,
            "name": f.name,
            "type": API_FLOW_TYPES.get(f.flow_type, "message"),
            "archived": f.is_archived,
            "labels": [],
            "expires": f.expires_after_minutes,
            "results": [],
            "parent_refs": [],
            "created_on": f.created_on.isoformat(),
            "modified_on": f.modified_on.isoformat(),
        }
        for f in rows
    ]


async def _globals(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(
            select(Global).where(in_workspace(Global, ctx.org.id), Global.is_active).order_by(Global.name)
        )
    ).scalars()
    return [
        {"key": g.key, "name": g.name, "value": g.value, "modified_on": g.modified_on.isoformat()}
        for g in rows
    ]


async def _users(ctx: Ctx) -> list[dict[str, Any]]:
    rows = await ctx.db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(in_workspace(Membership, ctx.org.id))
    )
    return [
        {
            "uuid": u.uuid,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "name": f"{u.first_name} {u.last_name}".strip() or u.email,
            "role": role,
            "created_on": u.created_on.isoformat(),
        }
        for u, role in rows
    ]


async def _optins(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(select(OptIn).where(in_workspace(OptIn, ctx.org.id), OptIn.is_active))
    ).scalars()
    return [{"uuid": o.uuid, "name": o.name} for o in rows]


async def _topics(ctx: Ctx) -> list[dict[str, Any]]:
    rows = (
        await ctx.db.execute(select(Topic).where(in_workspace(Topic, ctx.org.id), Topic.is_active))
    ).scalars()
    return [{"uuid": t.uuid, "name": t.name, "system": t.is_system} for t in rows]


async def _nothing(ctx: Ctx) -> list[dict[str, Any]]:
    """Kinds Upesi has no providers for yet (classifiers, resthooks, templates, LLMs): an empty list keeps
    the editor's forms working."""
    return []


KINDS = {
    "groups": _groups,
    "fields": _fields,
    "labels": _labels,
    "channels": _channels,
    "flows": _flows,
    "globals": _globals,
    "users": _users,
    "optins": _optins,
    "topics": _topics,
    "classifiers": _nothing,
    "resthooks": _nothing,
    "templates": _nothing,
    "llms": _nothing,
}


@router.get("/flow/assets/{org_id}/{stamp}/language/")
@router.get("/flow/assets/{org_id}/{stamp}/language")
async def languages(ctx: CtxDep, org_id: int, stamp: str) -> JSONResponse:
    """The workspace's flow languages ({iso, name}); the org id in the path is RapidPro's cache buster."""
    ctx.require("flow_read")
    langs = list(ctx.org.languages or []) or ["eng"]
    return JSONResponse(
        page([{"iso": code, "value": code, "name": LANGUAGE_NAMES.get(code, code)} for code in langs])
    )


@router.get("/flow/assets/workspace.json")
async def workspace(ctx: CtxDep) -> JSONResponse:
    """The workspace as API v2's workspace.json gives it, for the editor's store (temba-store `workspace`)."""
    ctx.require("flow_read")
    return JSONResponse(serialize_workspace(ctx.org))


@router.get("/flow/assets/{kind}/")
@router.get("/flow/assets/{kind}.json")
async def asset_list(ctx: CtxDep, kind: str) -> JSONResponse:
    ctx.require("flow_read")
    loader = KINDS.get(kind)
    if loader is None:
        return JSONResponse({"detail": f"No assets of type {kind}"}, status_code=404)
    return JSONResponse(page(await loader(ctx)))


@router.get("/contact/omnibox/")
@router.get("/contact/omnibox")
async def omnibox(ctx: CtxDep, types: str = "gc", search: str = "") -> JSONResponse:
    """Groups and contacts matching a name prefix, as RapidPro's omnibox v2 lists them for recipient pickers."""
    ctx.require("contact_read")
    results: list[dict[str, Any]] = []
    needle = f"%{search.strip()}%"
    if "g" in types:
        for g in await _groups(ctx):
            if search.strip().lower() in g["name"].lower():
                results.append(
                    {
                        "id": g["uuid"],
                        "uuid": g["uuid"],
                        "name": g["name"],
                        "type": "group",
                        "count": g["count"],
                    }
                )
    if "c" in types:
        rows = await ctx.db.execute(
            select(Contact.uuid, Contact.name, func.min(ContactURN.identity))
            .outerjoin(ContactURN, ContactURN.contact_id == Contact.id)
            .where(in_workspace(Contact, ctx.org.id), Contact.is_active)
            .where((Contact.name.ilike(needle)) | (ContactURN.path.ilike(needle)))
            .group_by(Contact.id)
            .order_by(Contact.name)
            .limit(25)
        )
        for uuid, name, urn in rows:
            results.append(
                {"id": uuid, "uuid": uuid, "name": name or urn or uuid, "type": "contact", "urn": urn}
            )
    return JSONResponse(page(results))
