"""A workspace as the engine sees it: its assets in goflow's static-source shape and its environment.
Mailroom runs sessions on these; web's simulator and flow info use them with the flow being edited."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import (
    Channel,
    ContactField,
    ContactGroup,
    Flow,
    FlowRevision,
    Global,
    Label,
    Membership,
    OptIn,
    Org,
    Resthook,
    ResthookSubscriber,
    Topic,
    User,
)
from upesi.db.models.contacts import FIELD_VALUE_TYPES
from upesi.db.scoping import in_workspace

FIELD_TYPES = FIELD_VALUE_TYPES
DATE_FORMATS = {"D": "DD-MM-YYYY", "M": "MM-DD-YYYY", "Y": "YYYY-MM-DD"}
# U: a USSD channel, which only answers within a USSD session (never picked to send anything else)
CHANNEL_ROLES = {"S": "send", "R": "receive", "C": "call", "A": "answer", "U": "ussd"}


def environment_for(org: Org) -> dict[str, Any]:
    env: dict[str, Any] = {
        "date_format": DATE_FORMATS.get(org.date_format, "DD-MM-YYYY"),
        "time_format": "tt:mm",
        "timezone": org.timezone or "UTC",
        "allowed_languages": list(org.languages or []),
        "redaction_policy": "urns" if org.is_anon else "none",
    }
    if org.country:
        env["default_country"] = org.country
    return env


def channel_asset(channel: Channel) -> dict[str, Any]:
    return {
        "uuid": channel.uuid,
        "name": channel.name,
        "address": channel.address,
        "schemes": list(channel.schemes),
        "roles": [CHANNEL_ROLES[r] for r in channel.role if r in CHANNEL_ROLES],
        **({"country": channel.country} if channel.country else {}),
    }


async def load_assets(
    session: AsyncSession,
    org_id: int,
    replace_flow: dict[str, Any] | None = None,
    extra_channels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every active flow's latest definition (or `replace_flow` in place of the stored one with its UUID),
    fields, groups, labels, globals, channels, resthooks (with their active subscribers), ticket topics,
    opt-ins and the workspace's users, in one query each."""
    latest = (
        select(FlowRevision.definition)
        .ext(distinct_on(FlowRevision.flow_id))
        .join(Flow, Flow.id == FlowRevision.flow_id)
        .where(in_workspace(Flow, org_id), Flow.is_active)
        .order_by(FlowRevision.flow_id, FlowRevision.revision.desc())
    )
    if replace_flow is not None:
        latest = latest.where(Flow.uuid != replace_flow["uuid"])
    flows = list((await session.execute(latest)).scalars())
    if replace_flow is not None:
        flows.append(replace_flow)

    def active(model: Any) -> Any:
        return select(model).where(in_workspace(model, org_id), model.is_active)

    fields = (await session.execute(active(ContactField))).scalars()
    groups = (await session.execute(active(ContactGroup))).scalars()
    labels = (await session.execute(active(Label))).scalars()
    globals_ = (await session.execute(active(Global))).scalars()
    channels = (await session.execute(active(Channel))).scalars()
    subscribers: dict[str, list[str]] = {}
    hooks = await session.execute(
        select(Resthook.slug, ResthookSubscriber.target_url)
        .outerjoin(
            ResthookSubscriber,
            (ResthookSubscriber.resthook_id == Resthook.id) & ResthookSubscriber.is_active,
        )
        .where(in_workspace(Resthook, org_id), Resthook.is_active)
        .order_by(Resthook.slug, ResthookSubscriber.id)
    )
    for slug, url in hooks:
        subscribers.setdefault(slug, [])
        if url:
            subscribers[slug].append(url)
    topics = (await session.execute(active(Topic))).scalars()
    optins = (await session.execute(active(OptIn))).scalars()
    users = await session.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(in_workspace(Membership, org_id), User.is_active)
        .order_by(User.id)
    )
    return {
        "flows": flows,
        "fields": [
            {"uuid": f.uuid, "key": f.key, "name": f.name, "type": FIELD_TYPES.get(f.value_type, "text")}
            for f in fields
        ],
        # a system group ("Open Tickets") goes to the engine without its query, so the engine never joins or
        # leaves it by evaluating "tickets > 0": mailroom's contacts carry no tickets yet, and the engine would
        # take every contact it re-evaluates out of it. upesi.domain.tickets keeps its members instead.
        "groups": [
            {"uuid": g.uuid, "name": g.name, **({"query": g.query} if g.query and not g.is_system else {})}
            for g in groups
        ],
        "labels": [{"uuid": lb.uuid, "name": lb.name} for lb in labels],
        "globals": [{"key": g.key, "name": g.name, "value": g.value} for g in globals_],
        "channels": [*(extra_channels or []), *(channel_asset(c) for c in channels)],
        "resthooks": [{"slug": slug, "subscribers": urls} for slug, urls in subscribers.items()],
        "topics": [{"uuid": t.uuid, "name": t.name} for t in topics],
        "optins": [{"uuid": o.uuid, "name": o.name} for o in optins],
        "users": [
            {"uuid": u.uuid, "email": u.email, "name": f"{u.first_name} {u.last_name}".strip()}
            for u in users.scalars()
        ],
    }
