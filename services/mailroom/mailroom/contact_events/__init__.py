"""Contact event (ctask) handlers by type, run one at a time per contact under the contact's lock."""

from collections.abc import Awaitable, Callable
from typing import Any

from mailroom.contact_events import event_received, msg_received, wait_fired

ContactHandler = Callable[[int, int, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, ContactHandler] = {
    "msg_received": msg_received.handle,
    "event_received": event_received.handle,
    "wait_timeout": wait_fired.handle_timeout,
    "wait_expired": wait_fired.handle_expired,
}
