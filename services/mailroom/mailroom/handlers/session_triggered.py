"""session_triggered: a pending flow start of type F (see mailroom.followups)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "session_triggered"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.starts.append(event)
