"""Resumes: continue a waiting session with a message, a timeout, an expiration or a dial result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.runner import end_run, execute
from upesi.flows.triggers import msg_input

if TYPE_CHECKING:
    from upesi.flows.session import Session

RESUME_TYPES = ("msg", "wait_timeout", "wait_expiration", "dial", "run_expiration")


class ResumeError(ValueError):
    pass


def apply_resume(session: Session, resume: dict[str, Any]) -> None:
    rtype = resume.get("type")
    if rtype not in RESUME_TYPES:
        raise ResumeError(f"unknown resume type '{rtype}'")
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
        ev = resume.get("event") or {}
        msg = ev.get("msg") or resume.get("msg") or {}
        session.input = msg_input(
            ev.get("uuid") or msg.get("uuid"), ev.get("created_on"), msg, session.assets.channels
        )
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
