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
        from upesi.flows.events import error_event
        from upesi.flows.runtime import evaluate_text
        from upesi.urns import normalize_urn

        phone = evaluate_text(session, run, w.phone)
        urn = normalize_urn("tel", phone, session.env.default_country) if phone else None
        if urn is None or not _possible_number(urn[4:], session.env.default_country):
            # can't dial: log it and route straight on (the router sees no dial status)
            session.log(error_event("not a possible number"))
            run.status = "active"
            run.expires_on = None
            return False
        event = {
            "type": "dial_wait",
            "urn": urn,
            "dial_limit_seconds": w.dial_limit_seconds or 60,
            "call_limit_seconds": w.call_limit_seconds or 7200,
            "expires_on": iso(expires_on),
        }
    else:
        event = {"type": "msg_wait", "expires_on": iso(expires_on)}
        if w.timeout and w.timeout.seconds:
            event["timeout_seconds"] = w.timeout.seconds
        if w.hint:
            event["hint"] = w.hint
    session.wait = {"type": w.type, "expires_on": event["expires_on"]}
    if w.timeout and w.timeout.seconds:
        session.wait["timeout_seconds"] = w.timeout.seconds
    session.log(event)
    return True


def _possible_number(number: str, country: str) -> bool:
    import phonenumbers

    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, country or None))
    except phonenumbers.NumberParseException:
        return False
