"""contact_groups_changed: memberships added and removed."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_groups_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    for g in event.get("groups_added") or []:
        batch.memberships[(sprint.contact_id, g["uuid"])] = True
    for g in event.get("groups_removed") or []:
        batch.memberships[(sprint.contact_id, g["uuid"])] = False
    batch.reschedule.add(sprint.contact_id)
