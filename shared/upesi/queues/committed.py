"""Handing mailroom the task of a write that has already committed (API and UI writes, issue #22 point 4).

Once a write's transaction has committed it has happened, and its answer must say so: a write answered 503
after its commit is carried out anyway, and a client that retries on 503 does it twice (a second broadcast).
So when Redis does not take the task of a committed write, the write still succeeds, provided a recovery cron
finds the committed rows and pushes their task itself: `SWEPT_BY` names that cron for each task type. The
failed push is logged and counted (upesi_post_commit_push_deferred_total), never silent.

A task type no cron recovers (`NOT_SWEPT`) re-raises: the edge answers 503 naming Redis and the client's retry
is the recovery (those writes are idempotent: blocking a contact twice is blocking it). A type in neither is a
programming error, raised before anything is pushed.
"""

import logging

from upesi.metrics import POST_COMMIT_PUSH_DEFERRED
from upesi.outages import down_service
from upesi.queues.redis import get_redis
from upesi.queues.tasks import (
    BulkCampaignTrigger,
    HandleContactEvent,
    InterruptContacts,
    MailroomTask,
    ScheduleCampaignEvent,
    ScheduleContactFires,
    SendBroadcast,
    SendBroadcastBatch,
    SendMsg,
    StartFlow,
    StartFlowBatch,
    queue_task,
    queue_tasks,
)

log = logging.getLogger(__name__)

# task type -> the mailroom cron that pushes it again for committed rows whose push was lost
SWEPT_BY: dict[type[MailroomTask], str] = {
    StartFlow: "queue_pending: starts still pending (P), within PENDING_INTERVAL for new ones",
    SendBroadcast: "queue_pending: broadcasts still pending (P), within PENDING_INTERVAL for new ones",
    SendMsg: "sweep_queued: messages still queued (Q) after QUEUED_MSG_SECONDS are queued to courier",
    ScheduleCampaignEvent: "schedule_campaigns: events whose fire_version changed, every minute",
}
# no cron finds these again: a failed push is the caller's error (503, and the client retries)
NOT_SWEPT: frozenset[type[MailroomTask]] = frozenset(
    {
        InterruptContacts,
        ScheduleContactFires,
        HandleContactEvent,
        StartFlowBatch,
        SendBroadcastBatch,
        BulkCampaignTrigger,
    }
)


async def push_committed(org_id: int, *tasks: MailroomTask) -> bool:
    """Push the tasks (of one type) of a committed write; False if Redis did not take them and the type's
    sweep will push them instead. Re-raises anything else, and an outage for types without a sweep."""
    if not tasks:
        return True
    kind = type(tasks[0])
    if kind not in SWEPT_BY and kind not in NOT_SWEPT:
        raise TypeError(f"push_committed: {kind.__name__} is in neither SWEPT_BY nor NOT_SWEPT")
    try:
        if len(tasks) == 1:
            await queue_task(get_redis(), org_id, tasks[0])
        else:
            await queue_tasks(get_redis(), org_id, list(tasks))
    except Exception as e:
        if kind not in SWEPT_BY or down_service(e) != "redis":
            raise
        POST_COMMIT_PUSH_DEFERRED.labels(task_type=kind.TYPE).inc()
        log.warning(
            "task of a committed write not pushed (redis down): left to the sweep",
            extra={"task_type": kind.TYPE, "org_id": org_id, "count": len(tasks), "sweep": SWEPT_BY[kind]},
        )
        return False
    return True
