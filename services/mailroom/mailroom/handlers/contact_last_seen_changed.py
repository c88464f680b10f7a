"""contact_last_seen_changed: the contact's last_seen_on column."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_last_seen_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.contact(sprint.contact_id).columns["last_seen_on"] = event.get("last_seen_on")
    batch.reschedule.add(sprint.contact_id)  # campaign events may be relative to last_seen_on
