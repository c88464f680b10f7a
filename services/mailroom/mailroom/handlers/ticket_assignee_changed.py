"""ticket_assignee_changed: the ticket's assignee, and an assigned ticket event."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "ticket_assignee_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.ticket_events.append(
        {"uuid": event["uuid"], "ticket_uuid": event["ticket_uuid"], "contact_id": sprint.contact_id,
         "event_type": "A", "assignee_uuid": (event.get("assignee") or {}).get("uuid"),
         "created_on": event.get("created_on")}
    )  # fmt: skip
