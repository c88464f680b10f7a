"""send_email: an email to one or more addresses (sent by the host)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.runtime import evaluate_text, localize

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("addresses", "subject")


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    to = []
    for a in action.get("addresses") or []:
        v = evaluate_text(session, run, a).strip()
        if v.startswith("mailto:"):  # @urns.mailto gives the URN; the address is its path
            v = v[len("mailto:") :]
        if v:
            to.append(v)
    subj_src, _ = localize(session, run, action["uuid"], "subject", [action.get("subject") or ""])
    body_src, _ = localize(session, run, action["uuid"], "body", [action.get("body") or ""])
    subject = evaluate_text(session, run, subj_src[0]).replace("\n", " ").strip()
    body = evaluate_text(session, run, body_src[0])
    if not to:
        return
    session.log({"type": "email_sent", "to": to, "subject": subject, "body": body})
