"""The public entry point: start, resume and read sessions.

engine = Engine()
session, sprint = engine.new_session(assets, contact, trigger)
sprint = engine.resume(session, {"type": "msg", "event": {...}})
"""

from __future__ import annotations

import random
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from upesi.excellent.env import Environment
from upesi.flows.assets import Assets
from upesi.flows.clock import real_clock, uuid7
from upesi.flows.runner import start_flow
from upesi.flows.session import Session, Sprint, copy_json
from upesi.flows.triggers import input_from_trigger

MAX_SPRINTS_PER_SESSION = 500


class Engine:
    def __init__(
        self,
        http: Any = None,
        clock: Callable[[], Any] | None = None,
        uuids: Callable[[], str] | None = None,
        rng: random.Random | None = None,
        llm: Any = None,
        airtime: Any = None,
        user_agent: str = "Upesi/0.1 (+https://upesi.org)",
    ) -> None:
        self.http = http
        self.clock = clock or real_clock
        self.uuids = uuids or uuid7
        self.rng = rng or random.Random()
        self.llm = llm  # callable(llm_asset, instructions, input) -> (output, {"input": n, "output": n})
        self.airtime = airtime  # callable(urn, amounts) -> airtime_created payload
        self.user_agent = user_agent

    def _env(self, environment: dict[str, Any] | None) -> Environment:
        env = Environment.from_json(environment, now_fn=self.clock)
        env.extra["rng"] = self.rng
        return env

    def new_session(
        self,
        assets: dict[str, Any] | Assets,
        contact: dict[str, Any],
        trigger: dict[str, Any],
        environment: dict[str, Any] | None = None,
        call: dict[str, Any] | None = None,
    ) -> tuple[Session, Sprint]:
        from upesi.flows.triggers import validate_trigger

        validate_trigger(trigger)
        a = assets if isinstance(assets, Assets) else Assets(assets)
        session = Session(
            self,
            a,
            self._env(environment),
            environment,
            copy_json(contact),
            _clean_trigger(trigger),
            self.uuids(),
            self.clock(),
            call=call,
        )
        flow_ref = trigger.get("flow") or {}
        flow = a.flow(flow_ref["uuid"])
        session.type = flow.type
        session.input = input_from_trigger(trigger, a.channels)
        session.pending_trigger_input = session.input is not None
        if session.input and session.input.get("created_on"):
            session.contact["last_seen_on"] = session.input["created_on"]
        self._begin_sprint(session)
        # query groups are brought up to date before the flow starts
        from upesi.flows.groups import reevaluate_query_groups

        reevaluate_query_groups(session)
        start_flow(session, flow)
        return session, session.sprint

    def resume(self, session: Session, resume: dict[str, Any]) -> Sprint:
        from upesi.flows.resumes import apply_resume

        self._begin_sprint(session)
        if session.sprints > MAX_SPRINTS_PER_SESSION:
            from upesi.flows.runner import fail_session

            fail_session(
                session, f"Reached maximum number of sprints per session ({MAX_SPRINTS_PER_SESSION})"
            )
            return session.sprint
        apply_resume(session, resume)
        return session.sprint

    def interrupt(self, session: Session) -> Sprint:
        """End a session from outside (e.g. a new flow starts for the contact): its runs become interrupted."""
        from upesi.flows.runner import end_run

        session.sprint = Sprint()
        for r in reversed(session.runs):
            if r.status in ("active", "waiting"):
                end_run(session, r, "interrupted")
        session.status = "interrupted"
        session.wait = None
        return session.sprint

    def read_session(
        self,
        assets: dict[str, Any] | Assets,
        session_json: dict[str, Any],
        environment: dict[str, Any] | None = None,
    ) -> Session:
        a = assets if isinstance(assets, Assets) else Assets(assets)
        s = Session.from_json(self, a, session_json, environment)
        s.base_env.extra["rng"] = self.rng
        return s

    def _begin_sprint(self, session: Session) -> None:
        session.sprint = Sprint()
        for r in session.runs:
            if r.webhook is not None and not r.webhook_persist:
                r.webhook = None  # too big to keep beyond the sprint it was called in
        session.steps_this_sprint = 0
        session.sprints += 1


__all__ = ["Engine", "uuidlib"]


def _clean_trigger(trigger: dict[str, Any]) -> dict[str, Any]:
    """A copy of the trigger as goflow keeps it: the message of a msg trigger carries no uuid of its own
    (the msg_received event's uuid identifies it)."""
    t = copy_json(trigger)
    msg = (t.get("event") or {}).get("msg")
    if isinstance(msg, dict):
        msg.pop("uuid", None)
    return t
