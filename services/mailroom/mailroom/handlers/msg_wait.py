"""msg_wait: the waiting session's expiration fire, and the timeout courier starts once the last message
of the sprint is sent."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "msg_wait"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    if event.get("expires_on"):
        batch.expirations[sprint.contact_id] = event["expires_on"]
    if event.get("timeout_seconds"):
        batch.timeouts[sprint.contact_id] = int(event["timeout_seconds"])
