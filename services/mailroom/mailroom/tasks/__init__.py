"""Mailroom's task registry: each task module reads one dataclass of `upesi.queues.tasks` (its `TASK`) and
handles it as `async def handle(org_id, body)`, decoding the body through that dataclass first.

Every task type declared in `upesi.queues.tasks` must have exactly one module here
(tests/mailroom/test_task_registry.py enumerates them); the foreman refuses a type it does not know.
"""

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from mailroom.tasks import (
    bulk_campaign_trigger,
    handle_contact_event,
    interrupt_contacts,
    schedule_campaign_event,
    schedule_contact_fires,
    send_broadcast,
    send_broadcast_batch,
    send_msg,
    start_flow,
    start_flow_batch,
)

TaskHandler = Callable[[int, dict[str, Any]], Awaitable[None]]

MODULES: tuple[ModuleType, ...] = (
    handle_contact_event,
    start_flow,
    start_flow_batch,
    send_broadcast,
    send_broadcast_batch,
    send_msg,
    interrupt_contacts,
    schedule_campaign_event,
    schedule_contact_fires,
    bulk_campaign_trigger,
)

TASKS: dict[str, TaskHandler] = {m.TASK.TYPE: m.handle for m in MODULES}
