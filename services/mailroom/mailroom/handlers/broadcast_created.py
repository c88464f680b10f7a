"""broadcast_created: a pending broadcast (see mailroom.followups)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "broadcast_created"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.broadcasts.append(event)
