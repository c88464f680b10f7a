"""Mailroom tasks: one typed dataclass per task, and the only way to produce one (RapidPro's
temba/mailroom/queue.py). Mailroom's registry (`mailroom.tasks.TASKS`) reads each task back through the same
dataclass, so a producer and its consumer cannot disagree on a field name or its type.

    await queue_task(redis, org_id, StartFlow(start_id=12))
    # on the wire (tasks:batch): {"type": "start_flow", "task": {"start_id": 12}, "queued_on": "..."}

Each class names the queue it goes to by default; bulk jobs choose realtime or throttled per batch.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import redis.asyncio as aioredis

from upesi.queues.fair import QUEUE_BATCH, QUEUE_REALTIME, QUEUE_THROTTLED, FairQueue


class TaskError(ValueError):
    """A task body that does not fit its dataclass: names the task and the field."""


# type name -> dataclass, filled by MailroomTask.__init_subclass__ (the source of truth for tests)
TASK_TYPES: dict[str, type[MailroomTask]] = {}


@dataclass(frozen=True, kw_only=True)
class MailroomTask:
    TYPE: ClassVar[str]
    QUEUE: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.TYPE in TASK_TYPES:
            raise TypeError(f"mailroom task type {cls.TYPE!r} declared twice")
        TASK_TYPES[cls.TYPE] = cls

    def body(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def decode(cls, body: dict[str, Any]) -> Self:
        """The task from a queued body; raises TaskError naming a missing, unknown or mistyped field."""
        if not isinstance(body, dict):
            raise TaskError(f"{cls.TYPE}: body must be an object")
        hints = _field_types(cls)
        unknown = sorted(set(body) - set(hints))
        if unknown:
            raise TaskError(f"{cls.TYPE}: unknown field {unknown[0]!r}")
        values: dict[str, Any] = {}
        for name, hint in hints.items():
            if name not in body:
                raise TaskError(f"{cls.TYPE}: missing field {name!r}")
            values[name] = _coerce(cls.TYPE, name, hint, body[name])
        return cls(**values)


_FIELD_TYPES: dict[type[MailroomTask], dict[str, Any]] = {}


def _field_types(cls: type[MailroomTask]) -> dict[str, Any]:
    """Field name -> type, in declaration order (cached: handle_contact_event is on the reply path)."""
    if cls not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        _FIELD_TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _FIELD_TYPES[cls]


def _coerce(task_type: str, name: str, hint: Any, value: Any) -> Any:
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is str:
        if isinstance(value, str):
            return value
    elif typing.get_origin(hint) is list and typing.get_args(hint) == (int,):
        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return list(value)
    else:  # pragma: no cover - a field type this decoder does not know is a programming error
        raise TypeError(f"{task_type}.{name}: unsupported field type {hint!r}")
    raise TaskError(f"{task_type}: field {name!r} must be {getattr(hint, '__name__', hint)}, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class HandleContactEvent(MailroomTask):
    """Drain the contact's event list (c:{org}:{contact}) under its lock."""

    TYPE = "handle_contact_event"
    QUEUE = QUEUE_REALTIME
    contact_id: int


@dataclass(frozen=True, kw_only=True)
class StartFlow(MailroomTask):
    """Resolve a flow start's recipients and split them into StartFlowBatch tasks."""

    TYPE = "start_flow"
    QUEUE = QUEUE_BATCH
    start_id: int


@dataclass(frozen=True, kw_only=True)
class StartFlowBatch(MailroomTask):
    TYPE = "start_flow_batch"
    QUEUE = QUEUE_THROTTLED  # a batch of one contact goes on the realtime queue (see mailroom.batches)
    start_id: int
    batch_index: int
    contact_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class SendBroadcast(MailroomTask):
    """Resolve a broadcast's recipients and split them into SendBroadcastBatch tasks."""

    TYPE = "send_broadcast"
    QUEUE = QUEUE_BATCH
    broadcast_id: int


@dataclass(frozen=True, kw_only=True)
class SendBroadcastBatch(MailroomTask):
    TYPE = "send_broadcast_batch"
    QUEUE = QUEUE_THROTTLED
    broadcast_id: int
    batch_index: int
    contact_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class SendMsg(MailroomTask):
    """Queue a message written by the API to courier."""

    TYPE = "send_msg"
    QUEUE = QUEUE_BATCH
    msg_id: int


@dataclass(frozen=True, kw_only=True)
class InterruptContacts(MailroomTask):
    """End the contacts' waiting sessions."""

    TYPE = "interrupt_contacts"
    QUEUE = QUEUE_BATCH
    contact_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class ScheduleCampaignEvent(MailroomTask):
    """Recompute (or remove) the fires of a campaign event."""

    TYPE = "schedule_campaign_event"
    QUEUE = QUEUE_BATCH
    event_id: int


@dataclass(frozen=True, kw_only=True)
class ScheduleContactFires(MailroomTask):
    """Re-evaluate smart groups and campaign fires of contacts changed outside a flow."""

    TYPE = "schedule_contact_fires"
    QUEUE = QUEUE_BATCH
    contact_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class BulkCampaignTrigger(MailroomTask):
    """Fire due campaign fires of one event (claimed by the fires cron under `claim`)."""

    TYPE = "bulk_campaign_trigger"
    QUEUE = QUEUE_THROTTLED
    event_id: int
    fire_version: int
    fire_ids: list[int]
    claim: str


async def queue_task(
    redis: aioredis.Redis,
    org_id: int,
    task: MailroomTask,
    *,
    priority: bool = False,
    queue: str | None = None,
    pipeline: aioredis.client.Pipeline | None = None,
) -> None:
    """Queue one task for mailroom on its class's queue (or `queue`); with `pipeline`, the push is only added to
    it (the caller executes it, with its own commands: courier's batch hand-over)."""
    await FairQueue(redis, queue or task.QUEUE).push(
        org_id, task.TYPE, task.body(), priority=priority, client=pipeline
    )


async def queue_tasks(
    redis: aioredis.Redis,
    org_id: int,
    tasks: Sequence[MailroomTask],
    *,
    priority: bool = False,
    queue: str | None = None,
) -> None:
    """Queue tasks of one type and workspace in one pipeline (a bulk job's batches)."""
    if not tasks:
        return
    kinds = {type(t) for t in tasks}
    if len(kinds) != 1:
        raise ValueError(f"queue_tasks takes tasks of one type, got {sorted(k.TYPE for k in kinds)}")
    first = tasks[0]
    await FairQueue(redis, queue or first.QUEUE).push_many(
        org_id, first.TYPE, [t.body() for t in tasks], priority=priority
    )
