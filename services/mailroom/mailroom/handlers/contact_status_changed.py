"""contact_status_changed: the contact's status column. The engine itself removes a blocked or stopped
contact from its groups (a contact_groups_changed follows); campaign fires are recomputed, as they are for
any group change, and a non-active contact keeps no waiting session (see mailroom.effects)."""

from typing import Any

from mailroom.handlers.batch import CONTACT_STATUS, Batch
from mailroom.runner import Sprint

EVENT = "contact_status_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    status = CONTACT_STATUS.get(event.get("status") or "")
    if status is None:
        raise ValueError(f"contact_status_changed with unknown status {event.get('status')!r}")
    batch.contact(sprint.contact_id).columns["status"] = status
    batch.reschedule.add(sprint.contact_id)
