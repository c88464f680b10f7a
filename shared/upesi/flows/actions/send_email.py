"""send_email: an email to one or more addresses, sent by the engine's email service if it has one,
else by the host when it sees the email_sent event."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.runtime import evaluate_text, localize
from upesi.flows.services import ServiceError

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("addresses", "subject")


_SUBJECT_SPACE_RE = re.compile(r"[\t\n\f\r ]+")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    from upesi.flows.events import error_event

    # as goflow: subject, then body, then addresses, stopping at the first that fails
    subj_src, _ = localize(session, run, action["uuid"], "subject", [action.get("subject") or ""])
    # a subject is one line: runs of whitespace (Go's \s: tab, newline, form feed, return, space) become one space
    subject = _SUBJECT_SPACE_RE.sub(" ", evaluate_text(session, run, subj_src[0])).strip()
    if not subject:
        session.log(error_event("Email subject evaluated to empty string, skipping"))
        return
    body_src, _ = localize(session, run, action["uuid"], "body", [action.get("body") or ""])
    body = evaluate_text(session, run, body_src[0])
    if body == "":
        session.log(error_event("Email body evaluated to empty string, skipping"))
        return
    to = []
    for a in action.get("addresses") or []:
        v = evaluate_text(session, run, a)
        if v == "":
            session.log(error_event("Email address evaluated to empty string, skipping"))
            continue
        to.append(v.removeprefix("mailto:"))  # @urns.mailto gives the URN; the address is its path
    if not to:
        return
    service = session.engine.email
    if service is not None:
        try:
            service.send(to, subject, body)
        except ServiceError as e:
            session.log(error_event(f"Unable to send email: {e}"))
            return
    session.log({"type": "email_sent", "to": to, "subject": subject, "body": body})
