"""ticket_reopened: the ticket's status, and a reopened ticket event."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "ticket_reopened"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.ticket_events.append(
        {"uuid": event["uuid"], "ticket_uuid": event["ticket_uuid"], "contact_id": sprint.contact_id,
         "event_type": "R", "created_on": event.get("created_on")}
    )  # fmt: skip
