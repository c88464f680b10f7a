"""open_ticket: opens a ticket for the contact with a topic, assignee and note, unless one is open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows import tickets
from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import error_event, missing_dependency
from upesi.flows.runtime import evaluate_text, set_result

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
OUTPUT_LOCAL = "_new_ticket"  # the new ticket's uuid, "" if none was opened; routers split on it
DEFAULT_TOPIC = "General"


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    topic_ref = action.get("topic")
    if topic_ref:
        topic = session.assets.topics.get(topic_ref.get("uuid", ""))
    else:
        topic = next((t for t in session.assets.topics.values() if t.get("name") == DEFAULT_TOPIC), None)
    assignee = _resolve_user(session, run, action["assignee"]) if action.get("assignee") else None
    note = evaluate_text(session, run, action.get("note") or "").strip()
    ticket = _open(session, topic_ref, topic, assignee, note)
    run.locals[OUTPUT_LOCAL] = ticket["uuid"] if ticket else ""
    if action.get("result_name"):  # before spec 14.3 the ticket went into a result
        if ticket:
            set_result(session, run, node.uuid, action["result_name"], ticket["uuid"], "Success")
        else:
            set_result(session, run, node.uuid, action["result_name"], "", "Failure")


def _open(
    session: Session,
    topic_ref: dict[str, Any] | None,
    topic: dict[str, Any] | None,
    assignee: dict[str, Any] | None,
    note: str,
) -> dict[str, Any] | None:
    # a batch start runs for many contacts at once: a ticket for each isn't what anyone wants
    if session.trigger.get("batch"):
        session.log(error_event("Can't open tickets during batch starts"))
        return None
    if topic_ref and topic is None:
        session.log(missing_dependency("topic", topic_ref.get("uuid", ""), topic_ref.get("name", "")))
        return None
    ticket = tickets.open_ticket(session, topic, assignee, note)
    if ticket is not None:
        from upesi.flows.groups import reevaluate_query_groups

        reevaluate_query_groups(session)  # groups may query on tickets
    return ticket


def _resolve_user(session: Session, run: Run, ref: dict[str, Any]) -> dict[str, Any] | None:
    users = session.assets.users
    if ref.get("uuid"):
        user = next((u for u in users if u.get("uuid") == ref["uuid"]), None)
        if user is None:
            session.log(missing_dependency("user", ref["uuid"], ref.get("name", "")))
        return user
    email = evaluate_text(session, run, ref.get("email") or "")
    user = next((u for u in users if (u.get("email") or "").lower() == email.lower()), None)
    if user is None:
        session.log(error_event(f"No such user with email '{email}'", "user:missing", {"email": email}))
    return user
