"""ticket_opened: a ticket (topic, assignee, opened in the flow) and its opened ticket event; a note
logged right after it (ticket_note_added) becomes the opened event's note, as RapidPro keeps it."""

from typing import Any

from mailroom.handlers.batch import Batch, flow_uuid_of
from mailroom.runner import Sprint

EVENT = "ticket_opened"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    ticket = event.get("ticket") or {}
    batch.tickets.append(
        {
            "uuid": ticket["uuid"],
            "contact_id": sprint.contact_id,
            "topic_uuid": (ticket.get("topic") or {}).get("uuid"),
            "assignee_uuid": (ticket.get("assignee") or {}).get("uuid"),
            "flow_uuid": flow_uuid_of(sprint),
            "created_on": event.get("created_on"),
        }
    )
    batch.ticket_events.append(
        {
            "uuid": event["uuid"],
            "ticket_uuid": ticket["uuid"],
            "contact_id": sprint.contact_id,
            "event_type": "O",
            "assignee_uuid": (ticket.get("assignee") or {}).get("uuid"),
            "created_on": event.get("created_on"),
        }
    )
