"""open_ticket: opens a ticket with a topic, assignee and note; result optional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.events import missing_dependency
from upesi.flows.runtime import evaluate_text, set_result

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    topic_ref = action.get("topic")
    topic = None
    if topic_ref:
        topic = session.assets.topics.get(topic_ref.get("uuid", ""))
        if topic is None:
            session.log(missing_dependency("topic", topic_ref.get("uuid", ""), topic_ref.get("name", "")))
            return
    else:
        topic = next(iter(session.assets.topics.values()), None)
    assignee = None
    aref = action.get("assignee")
    if aref:
        assignee = next(
            (
                u
                for u in session.assets.users
                if u.get("uuid") == aref.get("uuid") or u.get("email") == aref.get("email")
            ),
            None,
        )
        if assignee is None:
            session.log(
                missing_dependency("user", aref.get("uuid") or aref.get("email", ""), aref.get("name", ""))
            )
    note = evaluate_text(session, run, action.get("note") or "")
    ticket: dict[str, Any] = {"uuid": session.new_uuid(), "status": "open"}
    if topic:
        ticket["topic"] = {"uuid": topic["uuid"], "name": topic.get("name", "")}
    if assignee:
        ticket["assignee"] = {"uuid": assignee.get("uuid"), "name": assignee.get("name", "")}
    session.log({"type": "ticket_opened", "ticket": ticket})
    if note:
        session.log({"type": "ticket_note_added", "ticket_uuid": ticket["uuid"], "note": note})
    contact_ticket = {
        "uuid": ticket["uuid"],
        "topic": ticket.get("topic"),
        "assignee": ticket.get("assignee"),
    }
    session.contact.setdefault("tickets", []).append(contact_ticket)
    run.locals["_new_ticket"] = ticket["uuid"]  # routers split on this since spec 14.3
    if action.get("result_name"):
        set_result(session, run, node.uuid, action["result_name"], ticket["uuid"], "Success")
