"""contact_timezone_changed: the contact's timezone column."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_timezone_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.contact(sprint.contact_id).columns["timezone"] = event.get("timezone") or None
