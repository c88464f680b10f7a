"""A contact's tickets (kept on the contact JSON as goflow does: uuid, status, topic, assignee) and the
changes made to them, each logging the event goflow logs. A contact has at most one open ticket.

`ctx` is anything with contact, assets, log(event) and new_uuid(): a session or a modifier context.
"""

from __future__ import annotations

from typing import Any, Protocol


class TicketContext(Protocol):
    contact: dict[str, Any]

    def log(self, event: dict[str, Any]) -> Any: ...

    def new_uuid(self) -> str: ...


def _ref(asset: dict[str, Any] | None) -> dict[str, str] | None:
    return {"uuid": asset["uuid"], "name": asset.get("name", "")} if asset else None


def tickets(contact: dict[str, Any]) -> list[dict[str, Any]]:
    return list(contact.get("tickets") or [])


def status(ticket: dict[str, Any]) -> str:
    return ticket.get("status") or "open"  # tickets written before statuses were kept were open ones


def last_open(contact: dict[str, Any]) -> dict[str, Any] | None:
    return next((t for t in reversed(tickets(contact)) if status(t) == "open"), None)


def _find(contact: dict[str, Any], ticket_uuid: str) -> dict[str, Any] | None:
    return next((t for t in tickets(contact) if t.get("uuid") == ticket_uuid), None)


def open_ticket(
    ctx: TicketContext, topic: dict[str, Any] | None, assignee: dict[str, Any] | None, note: str
) -> dict[str, Any] | None:
    """The new open ticket, or None if the contact already has one open."""
    if last_open(ctx.contact) is not None:
        return None
    ticket: dict[str, Any] = {"uuid": ctx.new_uuid(), "status": "open"}
    if topic:
        ticket["topic"] = _ref(topic)
    if assignee:
        ticket["assignee"] = _ref(assignee)
    ctx.contact.setdefault("tickets", []).append(ticket)
    ctx.log({"type": "ticket_opened", "ticket": dict(ticket)})
    if note:
        ctx.log({"type": "ticket_note_added", "ticket_uuid": ticket["uuid"], "note": note})
    return ticket


def close_ticket(ctx: TicketContext, ticket_uuid: str) -> bool:
    t = _find(ctx.contact, ticket_uuid)
    if t is None or status(t) != "open":
        return False
    t["status"] = "closed"
    ctx.log({"type": "ticket_closed", "ticket_uuid": ticket_uuid})
    return True


def reopen_ticket(ctx: TicketContext, ticket_uuid: str) -> bool:
    t = _find(ctx.contact, ticket_uuid)
    if t is None or status(t) != "closed" or last_open(ctx.contact) is not None:
        return False
    t["status"] = "open"
    ctx.log({"type": "ticket_reopened", "ticket_uuid": ticket_uuid})
    return True


def assign_ticket(ctx: TicketContext, ticket_uuid: str, assignee: dict[str, Any] | None) -> bool:
    t = _find(ctx.contact, ticket_uuid)
    new = _ref(assignee)
    if t is None or (t.get("assignee") or {}).get("uuid") == (new or {}).get("uuid"):
        return False
    previous = t.get("assignee")
    event: dict[str, Any] = {"type": "ticket_assignee_changed", "ticket_uuid": ticket_uuid}
    if new:
        t["assignee"] = new
        event["assignee"] = new
    else:
        t.pop("assignee", None)
    if previous:
        event["previous"] = previous
    ctx.log(event)
    return True


def add_ticket_note(ctx: TicketContext, ticket_uuid: str, note: str) -> bool:
    if _find(ctx.contact, ticket_uuid) is None:
        return False
    ctx.log({"type": "ticket_note_added", "ticket_uuid": ticket_uuid, "note": note})
    return True


def change_ticket_topic(ctx: TicketContext, ticket_uuid: str, topic: dict[str, Any] | None) -> bool:
    t = _find(ctx.contact, ticket_uuid)
    new = _ref(topic)
    if t is None or new is None or (t.get("topic") or {}).get("uuid") == new["uuid"]:
        return False
    t["topic"] = new
    ctx.log({"type": "ticket_topic_changed", "ticket_uuid": ticket_uuid, "topic": new})
    return True
