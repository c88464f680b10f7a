"""Everything the events of a batch of sprints ask to be written, gathered by the handlers and written by
mailroom.effects in one statement per kind of change (never one per event)."""

from dataclasses import dataclass, field
from typing import Any

from mailroom.runner import Sprint
from mailroom.scene import OrgScene

CONTACT_STATUS = {"active": "A", "blocked": "B", "stopped": "S", "archived": "V"}


@dataclass
class ContactChange:
    """The columns and field keys a contact's events changed; only these are written."""

    columns: dict[str, Any] = field(default_factory=dict)  # name, language, timezone, status, last_seen_on
    fields_set: dict[str, Any] = field(default_factory=dict)  # field uuid -> value
    fields_cleared: set[str] = field(default_factory=set)  # field uuids


@dataclass
class Batch:
    org_id: int
    scene: OrgScene
    contacts: dict[int, ContactChange] = field(default_factory=dict)
    # (contact id, group uuid) -> member or not, the last change winning (added then removed is removed)
    memberships: dict[tuple[int, str], bool] = field(default_factory=dict)
    urns: dict[int, list[str]] = field(default_factory=dict)  # contact id -> its URNs, in priority order
    labels: list[tuple[str, str]] = field(default_factory=list)  # (message uuid, label uuid)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    ticket_events: list[dict[str, Any]] = field(default_factory=list)
    http_logs: list[dict[str, Any]] = field(default_factory=list)
    resthook_events: list[dict[str, Any]] = field(default_factory=list)
    unsubscribes: list[tuple[str, str]] = field(default_factory=list)  # (resthook slug, subscriber URL)
    airtime: list[dict[str, Any]] = field(default_factory=list)
    starts: list[dict[str, Any]] = field(default_factory=list)  # session_triggered events
    broadcasts: list[dict[str, Any]] = field(default_factory=list)  # broadcast_created events
    msgs: list[tuple[Sprint, dict[str, Any]]] = field(default_factory=list)  # msg_created events
    expirations: dict[int, str] = field(default_factory=dict)  # contact id -> its wait's expires_on
    timeouts: dict[int, int] = field(default_factory=dict)  # contact id -> its wait's timeout seconds
    reschedule: set[int] = field(default_factory=set)  # contacts whose campaign fires may have moved

    def contact(self, contact_id: int) -> ContactChange:
        return self.contacts.setdefault(contact_id, ContactChange())


def flow_uuid_of(sprint: Sprint) -> str | None:
    """The flow the sprint's current (or last) run is in: what an HTTP log or a ticket is attached to."""
    runs = sprint.session.get("runs") or []
    for run in reversed(runs):
        if run.get("status") in ("active", "waiting"):
            return str(run["flow"]["uuid"])
    return str(runs[-1]["flow"]["uuid"]) if runs else None
