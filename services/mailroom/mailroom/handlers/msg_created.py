"""msg_created: an outgoing message, stored with the sprint's write and queued to courier after commit."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "msg_created"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.msgs.append((sprint, event))
