"""Beginning a wait: the session pauses and a msg_wait (or dial_wait) event says until when."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from upesi.flows.clock import iso
from upesi.flows.definition import Node

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def begin_wait(session: Session, run: Run, node: Node) -> bool:
    """Start the node's wait. Returns False if the wait can't apply (offline flows don't wait for real)."""
    r = node.router
    assert r is not None and r.wait is not None
    w = r.wait
    if session.pending_trigger_input and w.type == "msg" and len(session.runs) == 1 and len(run.path) == 1:
        # a session started by a message lets a wait on the flow's very first node consume that message;
        # any later wait (after a question has been sent) waits for a new one, as goflow does
        session.pending_trigger_input = False
        run.had_input = True
        return False
    now = session.now()
    minutes = run.flow.expire_minutes() if run.flow else 60 * 24 * 3
    expires_on = now + dt.timedelta(minutes=minutes)
    run.status = "waiting"
    run.expires_on = expires_on
    event: dict[str, Any]
    if w.type == "dial":
        from upesi.flows.runtime import evaluate_text

        phone = evaluate_text(session, run, w.phone)
        event = {"type": "dial_wait", "urn": f"tel:{phone}", "expires_on": iso(expires_on)}
        if w.dial_limit_seconds:
            event["dial_limit_seconds"] = w.dial_limit_seconds
        if w.call_limit_seconds:
            event["call_limit_seconds"] = w.call_limit_seconds
    else:
        event = {"type": "msg_wait", "expires_on": iso(expires_on)}
        if w.timeout and w.timeout.seconds:
            event["timeout_seconds"] = w.timeout.seconds
        if w.hint:
            event["hint"] = w.hint
    session.wait = {"type": w.type, "expires_on": iso(expires_on)}
    if w.timeout and w.timeout.seconds:
        session.wait["timeout_seconds"] = w.timeout.seconds
    session.log(event)
    return True
