"""input_labels_added: labels on the message the session is handling."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "input_labels_added"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    msg_uuid = event.get("input_uuid")
    if not msg_uuid:
        raise ValueError("input_labels_added without input_uuid")
    batch.labels += [(str(msg_uuid), lb["uuid"]) for lb in event.get("labels") or []]
