"""contact_urns_changed: the contact's URNs become exactly the event's list, in its order (the last
change of the sprint wins): new ones are inserted, kept ones reordered, dropped ones detached, and one
owned by another contact moves to this one (see mailroom.effects.write_urns)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_urns_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    batch.urns[sprint.contact_id] = list(event.get("urns") or [])
