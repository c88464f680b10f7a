"""Queue task handlers by type: `async def handle(org_id, body)`."""

from collections.abc import Awaitable, Callable
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

TASKS: dict[str, TaskHandler] = {
    handle_contact_event.TYPE: handle_contact_event.handle,
    start_flow.TYPE: start_flow.handle,
    start_flow_batch.TYPE: start_flow_batch.handle,
    send_broadcast.TYPE: send_broadcast.handle,
    send_broadcast_batch.TYPE: send_broadcast_batch.handle,
    send_msg.TYPE: send_msg.handle,
    interrupt_contacts.TYPE: interrupt_contacts.handle,
    schedule_campaign_event.TYPE: schedule_campaign_event.handle,
    schedule_contact_fires.TYPE: schedule_contact_fires.handle,
    bulk_campaign_trigger.TYPE: bulk_campaign_trigger.handle,
}
