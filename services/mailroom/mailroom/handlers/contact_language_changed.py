"""contact_language_changed: the contact's language column."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_language_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.contact(sprint.contact_id).columns["language"] = event.get("language") or None
