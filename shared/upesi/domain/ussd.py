"""USSD triggers: a flow started by a dialled service code (RapidPro's "USSD Pull Session" trigger, type U,
whose keyword is the code). A flow is refused for USSD when flow inspection finds a message that cannot fit a
screen (issue ussd_screen): the refusal names the flow and the node, so the designer knows what to shorten."""

import uuid as uuidlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Flow, FlowRevision, Trigger
from upesi.db.scoping import in_workspace
from upesi.domain.errors import DomainError
from upesi.domain.triggers import refuse_conflicts
from upesi.flows.inspect import inspect_flow
from upesi.ussd.dial import is_service_code
from upesi.ussd.screen import MAX_SCREEN

MAX_CODE = 16  # a trigger keyword's length, as RapidPro's KEYWORD_MAX_LEN


def check_screens(flow_name: str, definition: dict) -> None:
    """A DomainError naming the flow and the first node whose message cannot fit a USSD screen."""
    issues = [
        i for i in inspect_flow(definition, screen_limit=MAX_SCREEN)["issues"] if i["type"] == "ussd_screen"
    ]
    if issues:
        first = issues[0]
        raise DomainError(
            "flow",
            f"Flow '{flow_name}' cannot answer USSD: node {first['node_uuid']}: {first['description']}"
            + (f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""),
        )


async def add_ussd_trigger(
    session: AsyncSession, org_id: int, flow_id: int, code: str, channel_id: int | None = None
) -> Trigger:
    """A USSD trigger for the flow, refused (DomainError naming the field) for a code that is not a service
    code, a code another active trigger has, or a flow with a message longer than a screen."""
    code = code.strip()
    if not is_service_code(code) or len(code) > MAX_CODE:
        raise DomainError(
            "keyword",
            f"A USSD trigger's keyword is a service code such as *384*12# (at most {MAX_CODE} characters)",
        )
    await refuse_conflicts(session, org_id=org_id, trigger_type="U", channel_id=channel_id, keywords=[code])
    found = (
        await session.execute(
            select(Flow.name, FlowRevision.definition)
            .join(FlowRevision, FlowRevision.flow_id == Flow.id)
            .where(in_workspace(Flow, org_id), Flow.id == flow_id, Flow.is_active)
            .order_by(FlowRevision.revision.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        raise DomainError("flow", "Choose a flow.")
    check_screens(found.name, found.definition)
    trigger = Trigger(
        uuid=str(uuidlib.uuid4()), org_id=org_id, trigger_type="U", keywords=[code], flow_id=flow_id,
        channel_id=channel_id,
    )  # fmt: skip
    session.add(trigger)
    await session.flush()
    return trigger
