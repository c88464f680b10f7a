"""Starting a flow for groups, contacts and URNs: the flow_starts row that mailroom's start_flow task runs.
The API (flow_starts POST) and the UI (a flow's "start" form) both create starts here, so both refuse what
RapidPro refuses: an archived flow (RapidPro's start form offers only unarchived flows, and mailroom loads
only those) and a start with nobody to start."""

import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Flow, FlowStart, Org
from upesi.db.models.flows import flow_start_contacts, flow_start_groups
from upesi.domain.errors import DomainError
from upesi.queues.committed import push_committed
from upesi.queues.tasks import StartFlow

ARCHIVED = "This flow is archived and can no longer be started."
NO_RECIPIENTS = "Must specify at least one group, contact or URN"


def check_startable(flow: Flow) -> None:
    if flow.is_archived:
        raise DomainError("flow", ARCHIVED)


async def create_flow_start(
    session: AsyncSession,
    *,
    org: Org,
    flow: Flow,
    start_type: str,
    created_by_id: int | None,
    group_ids: Sequence[int] = (),
    contact_ids: Sequence[int] = (),
    urns: Sequence[str] = (),
    query: str | None = None,
    restart_participants: bool = True,
    exclude_active: bool = False,
    params: dict[str, Any] | None = None,
) -> FlowStart:
    """A pending start with its groups and contacts (ids already looked up in this workspace). The caller
    commits, then calls queue_flow_start: mailroom must find the row when it pops the task."""
    if flow.org_id != org.id:
        raise DomainError("flow", f"No such object: {flow.uuid}")
    check_startable(flow)
    if not (group_ids or contact_ids or urns or query):
        raise DomainError("non_field_errors", NO_RECIPIENTS)
    start = FlowStart(
        uuid=str(uuidlib.uuid4()), org_id=org.id, flow_id=flow.id, start_type=start_type, status="P",
        urns=list(urns), query=query or None, restart_participants=restart_participants, exclude_active=exclude_active,
        params=params or {}, created_by_id=created_by_id,
    )  # fmt: skip
    session.add(start)
    await session.flush()
    for table, column, ids in (
        (flow_start_groups, "group_id", group_ids),
        (flow_start_contacts, "contact_id", contact_ids),
    ):
        if ids:
            await session.execute(
                insert(table), [{"start_id": start.id, column: i} for i in sorted(set(ids))]
            )
    return start


async def queue_flow_start(*, org: Org, start: FlowStart) -> None:
    """Hand a committed start to mailroom (start_flow on the batch queue). A start left unqueued (the process
    died between commit and push, or Redis did not take it) is queued by mailroom's queue_pending cron."""
    await push_committed(org.id, StartFlow(start_id=start.id))
