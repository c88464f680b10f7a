"""Saving flow definitions (a new revision each time) and triggers."""

import uuid as uuidlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Flow, FlowRevision, Trigger
from upesi.db.scoping import in_workspace

FLOW_TYPE_CODES = {"messaging": "M", "messaging_background": "B", "messaging_offline": "S", "voice": "V"}


async def save_flow(
    session: AsyncSession, org_id: int, definition: dict[str, Any], user_id: int | None = None
) -> Flow:
    """Create the flow named by the definition's UUID in this workspace, or add a revision to it.
    The definition must already be valid and at the current spec."""
    flow_uuid = definition["uuid"]
    flow = (
        await session.execute(select(Flow).where(in_workspace(Flow, org_id), Flow.uuid == flow_uuid))
    ).scalar_one_or_none()
    flow_type = FLOW_TYPE_CODES.get(definition.get("type", "messaging"), "M")
    expires = int(definition.get("expire_after_minutes") or 0) or (5 if flow_type == "V" else 10080)
    if flow is None:
        flow = Flow(uuid=flow_uuid, org_id=org_id, name=definition["name"], flow_type=flow_type, revision=0)
        session.add(flow)
        await session.flush()
    flow.name = definition["name"][:64]
    flow.flow_type = flow_type
    flow.spec_version = definition.get("spec_version", "14.4.2")
    flow.base_language = definition.get("language") or "und"
    flow.expires_after_minutes = expires
    flow.revision += 1
    stored = dict(definition, revision=flow.revision)
    session.add(
        FlowRevision(
            flow_id=flow.id,
            revision=flow.revision,
            spec_version=flow.spec_version,
            definition=stored,
            created_by_id=user_id,
        )
    )
    await session.flush()
    return flow


async def latest_definition(session: AsyncSession, flow_id: int) -> dict[str, Any]:
    return (
        await session.execute(
            select(FlowRevision.definition)
            .where(FlowRevision.flow_id == flow_id)
            .order_by(FlowRevision.revision.desc())
            .limit(1)
        )
    ).scalar_one()


async def add_keyword_trigger(
    session: AsyncSession, org_id: int, flow_id: int, keywords: list[str], match_type: str = "F",
    channel_id: int | None = None,
) -> Trigger:  # fmt: skip
    trigger = Trigger(
        uuid=str(uuidlib.uuid4()),
        org_id=org_id,
        trigger_type="K",
        keywords=[k.lower() for k in keywords],
        match_type=match_type,
        flow_id=flow_id,
        channel_id=channel_id,
    )
    session.add(trigger)
    await session.flush()
    return trigger
