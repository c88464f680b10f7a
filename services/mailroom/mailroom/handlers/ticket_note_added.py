"""ticket_note_added: a note ticket event, or the note of the opened event just before it."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "ticket_note_added"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    last = batch.ticket_events[-1] if batch.ticket_events else None
    if (
        last
        and last["event_type"] == "O"
        and last["ticket_uuid"] == event["ticket_uuid"]
        and not last.get("note")
    ):
        last["note"] = event.get("note") or ""
        return
    batch.ticket_events.append(
        {
            "uuid": event["uuid"],
            "ticket_uuid": event["ticket_uuid"],
            "contact_id": sprint.contact_id,
            "event_type": "N",
            "note": event.get("note") or "",
            "created_on": event.get("created_on"),
        }
    )
