"""Queue task handlers by type: `async def handle(org_id, body)`."""

from collections.abc import Awaitable, Callable
from typing import Any

from mailroom.tasks import handle_contact_event

TaskHandler = Callable[[int, dict[str, Any]], Awaitable[None]]

TASKS: dict[str, TaskHandler] = {
    handle_contact_event.TYPE: handle_contact_event.handle,
}
