"""dial_wait: the waiting voice session's expiration fire."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "dial_wait"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    if event.get("expires_on"):
        batch.expirations[sprint.contact_id] = event["expires_on"]
