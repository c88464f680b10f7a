"""resthook_called: the payload sent to a resthook's subscribers, listed by /api/v2/resthook_events.json
(each subscriber's own call is a webhook_called)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "resthook_called"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.resthook_events.append(
        {
            "slug": event.get("resthook", ""),
            "data": event.get("payload") or {},
            "created_on": event.get("created_on"),
        }
    )
