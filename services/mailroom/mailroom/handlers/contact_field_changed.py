"""contact_field_changed: one key of the contact's fields document, merged in (other keys untouched)."""

from typing import Any

from mailroom.handlers.batch import Batch
from mailroom.runner import Sprint

EVENT = "contact_field_changed"


def handle(batch: Batch, sprint: Sprint, event: dict[str, Any]) -> None:
    key = (event.get("field") or {}).get("key", "")
    field_uuid = batch.scene.field_uuids.get(key)
    if field_uuid is None:  # the engine only sets fields of the assets it ran with, which are the scene's
        raise ValueError(f"contact_field_changed for field {key!r} not in the workspace's assets")
    change = batch.contact(sprint.contact_id)
    # the contact's value as the sprint left it (the event's for the last change of the key is the same)
    value = (sprint.contact.get("fields") or {}).get(key)
    if value:
        change.fields_set[field_uuid] = value
        change.fields_cleared.discard(field_uuid)
    else:
        change.fields_cleared.add(field_uuid)
        change.fields_set.pop(field_uuid, None)
    batch.reschedule.add(sprint.contact_id)  # campaign events may be relative to this field
