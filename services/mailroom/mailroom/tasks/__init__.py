"""Queue task handlers by type: `async def handle(org_id, body)`."""

from collections.abc import Awaitable, Callable
from typing import Any

from mailroom.tasks import handle_contact_event, start_flow, start_flow_batch

TaskHandler = Callable[[int, dict[str, Any]], Awaitable[None]]

TASKS: dict[str, TaskHandler] = {
    handle_contact_event.TYPE: handle_contact_event.handle,
    start_flow.TYPE: start_flow.handle,
    start_flow_batch.TYPE: start_flow_batch.handle,
}
