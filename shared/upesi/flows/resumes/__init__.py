"""Resumes: continue a waiting session with a message, a timeout, an expiration or a dial result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.clock import uuid7
from upesi.flows.runner import end_run, execute
from upesi.flows.triggers import msg_input

if TYPE_CHECKING:
    from upesi.flows.session import Session

# each resume type with the fields its `event` must have (goflow's resume envelopes: the event is required,
# with uuid, type and created_on as every event, plus the msg of a msg_received and the dial of a dial_ended).
# run_expiration is ours (no goflow resume): it carries no event.
RESUME_EVENT_FIELDS: dict[str, tuple[str, ...] | None] = {
    "msg": ("uuid", "type", "created_on", "msg"),
    "wait_timeout": ("uuid", "type", "created_on"),
    "wait_expiration": ("uuid", "type", "created_on"),
    "dial": ("uuid", "type", "created_on", "dial"),
    "run_expiration": None,
}
RESUME_TYPES = tuple(RESUME_EVENT_FIELDS)
# the event type a host writes for each (goflow's resumes.NewMsg(events.NewMsgReceived(..)) and so on)
RESUME_EVENT_TYPES = {
    "msg": "msg_received",
    "wait_timeout": "wait_timed_out",
    "wait_expiration": "wait_expired",
    "dial": "dial_ended",
}


class ResumeError(ValueError):
    pass


def new_resume(
    rtype: str,
    now: str,
    *,
    event_uuid: str | None = None,
    msg: dict[str, Any] | None = None,
    dial: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A resume as a host builds it: its event made now (a msg_received takes the message's uuid, as
    mailroom gives the event the message's)."""
    resume: dict[str, Any] = {"type": rtype, "resumed_on": now}
    event_type = RESUME_EVENT_TYPES.get(rtype)
    if event_type is None:
        return resume
    uuid = event_uuid or (msg or {}).get("uuid") or uuid7()
    event: dict[str, Any] = {"uuid": uuid, "type": event_type, "created_on": now}
    if msg is not None:
        event["msg"] = {k: v for k, v in msg.items() if k != "uuid"}
    if dial is not None:
        event["dial"] = dial
    resume["event"] = event
    check_resume(resume)
    return resume


def check_resume(resume: dict[str, Any]) -> None:
    """As goflow's resumes.Read: a known type, and the event its type requires, with goflow's messages."""
    rtype = resume.get("type")
    if not rtype:
        raise ResumeError("field 'type' is required")
    if rtype not in RESUME_EVENT_FIELDS:
        raise ResumeError(f"unknown type: '{rtype}'")
    fields = RESUME_EVENT_FIELDS[rtype]
    if fields is None:
        return
    event = resume.get("event")
    if not isinstance(event, dict) or not event:
        raise ResumeError("field 'event' is required")
    missing = [f for f in fields if not event.get(f)]
    if missing:
        raise ResumeError(", ".join(f"field 'event.{f}' is required" for f in missing))


def apply_resume(session: Session, resume: dict[str, Any]) -> None:
    check_resume(resume)
    rtype = resume["type"]
    if session.status != "waiting":
        raise ResumeError(f"only waiting sessions can be resumed, session is {session.status}")
    run = _waiting_run(session)
    if run is None or run.flow is None:
        raise ResumeError("session has no waiting run")
    _check_accepted(run, rtype)
    session.resume = resume
    if rtype in ("wait_expiration", "run_expiration"):
        # the waiting run expires; its parent (if any) carries on as when a child ends
        session.wait = None
        session.status = "active"
        end_run(session, run, "expired")
        session.last_node_uuid = run.current_step.node_uuid if run.current_step else None
        execute(session, run, None)
        return
    step = run.current_step
    node = run.flow.node(step.node_uuid) if step else None
    if node is None or node.router is None or node.router.wait is None:
        raise ResumeError("waiting run isn't at a wait")
    if rtype == "wait_timeout" and not node.router.wait.timeout:
        raise ResumeError("can't resume with a timeout: the wait has no timeout")
    if rtype == "msg":
        ev = resume["event"]
        session.input = msg_input(ev["uuid"], ev["created_on"], ev["msg"], session.assets.channels)
        run.had_input = True
        if session.input.get("created_on"):
            session.contact["last_seen_on"] = session.input["created_on"]
    elif rtype == "dial":
        session.input = None
    session.status = "active"
    session.wait = None
    run.status = "active"
    run.modified_on = session.now()
    session.last_node_uuid = node.uuid
    session.last_operand = None
    execute(session, run, None, resume_node=node)


def _check_accepted(run: Any, rtype: str) -> None:
    """As goflow's Wait.Accepts: a msg wait takes msg, wait_expiration and (with a timeout) wait_timeout
    resumes; a dial wait dial resumes, and (our departure) wait_expiration, since our mailroom expires a
    waiting voice session with it rather than ending the call. Refused, not failed: the caller may retry."""
    step = run.current_step
    node = run.flow.node(step.node_uuid) if step else None
    wait = node.router.wait if node is not None and node.router is not None else None
    if wait is None or rtype == "run_expiration":
        return  # reported below (or our run_expiration, which ends the run wherever it waits)
    accepted = {"dial": ("dial", "wait_expiration"), "msg": ("msg", "wait_expiration", "wait_timeout")}.get(
        wait.type, ()
    )
    if rtype not in accepted or (rtype == "wait_timeout" and not wait.timeout):
        raise ResumeError(f"resume of type {rtype} not accepted by wait of type {wait.type}")


def _waiting_run(session: Session) -> Any:
    for r in reversed(session.runs):
        if r.status == "waiting":
            return r
    return None
