"""Who a flow start will reach, before it is sent: RapidPro's start dialog asks /flow/preview_start/ for the
count, and mailroom builds one contact query from the dialog's inclusions and exclusions
(core/search/queries.go BuildRecipientsQuery), which the start then carries so mailroom resolves the
contacts in the background, however many there are.

    (group = "A" OR uuid = "..." OR <user query>) AND status = "active" AND flow = "" AND history != "Flow"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.contactql import QueryError, load_resolver, parse_query, to_sql
from upesi.db.models import Channel, Contact, Flow, FlowStart
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError

NOBODY = "Choose groups or contacts, or enter a contact query."
# RapidPro's PreviewStart messages
ALREADY_STARTING = (
    "A flow is already starting. To avoid confusion, make sure you are not targeting the same contacts "
    "before continuing."
)
NO_SEND_CHANNEL = "To start this flow you need to add a channel to your workspace which will allow you to send messages to your contacts."  # fmt: skip
NO_CALL_CHANNEL = "To start this flow you need to add a voice channel to your workspace which will allow you to make and receive calls."  # fmt: skip
# the channel role a flow type needs to start (RapidPro's get_blockers); every type in FLOW_TYPES is listed:
# background and offline (Surveyor) flows send nothing through a channel when started
NEEDS_CHANNEL: dict[str, tuple[str, str] | None] = {
    "M": ("S", NO_SEND_CHANNEL),
    "V": ("C", NO_CALL_CHANNEL),
    "B": None,
    "S": None,
}


@dataclass(frozen=True)
class Inclusions:
    group_uuids: Sequence[str] = ()
    contact_uuids: Sequence[str] = ()
    query: str = ""


@dataclass(frozen=True)
class Exclusions:
    non_active: bool = True  # blocked, stopped and archived contacts are never started
    in_a_flow: bool = False
    started_previously: bool = False


@dataclass
class Preview:
    query: str
    total: int
    warnings: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _conditions(flow: Flow, inc: Inclusions, exc: Exclusions, user_query: str) -> str:
    included = [f"group = {_quoted(u)}" for u in inc.group_uuids]  # the resolver takes a group's uuid
    included += [f"uuid = {_quoted(u)}" for u in inc.contact_uuids]
    if user_query:
        included.append(f"({user_query})")
    if not included:
        raise DomainError("query", NOBODY)
    excluded = ['status = "active"'] if exc.non_active else []
    if exc.in_a_flow:
        excluded.append('flow = ""')
    if exc.started_previously:
        excluded.append(f"history != {_quoted(flow.uuid)}")
    return " AND ".join(["(" + " OR ".join(included) + ")", *excluded])


async def recipients_query(
    session: AsyncSession, org_id: int, flow: Flow, inc: Inclusions, exc: Exclusions
) -> str:
    """The one normalised query for a start's recipients; DomainError("query") when it does not parse."""
    resolver = await load_resolver(session, org_id)
    user_query = ""
    if inc.query.strip():
        try:
            user_query = parse_query(inc.query, resolver).normalized
        except (QueryError, ValueError) as e:
            raise DomainError("query", f"Invalid query: {e}") from None
    try:
        return parse_query(_conditions(flow, inc, exc, user_query), resolver).normalized
    except (QueryError, ValueError) as e:  # a group or contact chosen and deleted since
        raise DomainError("query", str(e)) from None


async def preview_start(
    session: AsyncSession, org_id: int, flow: Flow, inc: Inclusions, exc: Exclusions
) -> Preview:
    query = await recipients_query(session, org_id, flow, inc, exc)
    parsed = parse_query(query, await load_resolver(session, org_id))
    total = (
        await session.execute(select(func.count()).select_from(Contact).where(to_sql(parsed, org_id)))
    ).scalar_one()
    preview = Preview(query, total)
    unfinished = await session.execute(
        select(FlowStart.id)
        .where(in_workspace(FlowStart, org_id), FlowStart.status.in_(("P", "Q", "S")))
        .limit(1)
    )
    if unfinished.first() is not None:
        preview.warnings.append(ALREADY_STARTING)
    if flow.flow_type not in NEEDS_CHANNEL:
        raise DomainError("flow", f"Flows of type {flow.flow_type!r} cannot be started.")
    if needed := NEEDS_CHANNEL[flow.flow_type]:
        role, blocker = needed
        channels = await session.execute(
            select(Channel.id)
            .where(in_workspace(Channel, org_id), Channel.is_active, Channel.role.contains(role))
            .limit(1)
        )
        if channels.first() is None:
            preview.blockers.append(blocker)
    return preview
