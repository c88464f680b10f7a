"""contact_name_changed: the contact's name column (and nothing else of the contact)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_name_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.contact(sprint.contact_id).columns["name"] = event.get("name") or None
