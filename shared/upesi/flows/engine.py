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
from upesi.flows.services import AirtimeService, EmailService, LLMService
from upesi.flows.session import Session, Sprint, copy_json
from upesi.flows.triggers import input_from_trigger
from upesi.flows.webhooks import MAX_RESPONSE_BYTES

MAX_SPRINTS_PER_SESSION = 500


class Engine:
    def __init__(
        self,
        http: Any = None,
        clock: Callable[[], Any] | None = None,
        uuids: Callable[[], str] | None = None,
        rng: random.Random | None = None,
        llm: LLMService | None = None,
        airtime: AirtimeService | None = None,
        email: EmailService | None = None,
        llm_prompts: dict[str, str] | None = None,
        max_webhook_response_bytes: int = MAX_RESPONSE_BYTES,
        check_sendable: Callable[[dict[str, Any], dict[str, Any]], str] | None = None,
        user_agent: str = "Upesi/0.1 (+https://upesi.org)",
    ) -> None:
        self.http = http
        self.clock = clock or real_clock
        self.uuids = uuids or uuid7
        self.rng = rng or random.Random()
        # the outside services actions call (see upesi.flows.services); None = not available here
        self.llm = llm
        self.airtime = airtime
        self.email = email  # without one, send_email only logs email_sent and the host sends it
        # templates for the prompt() function, {{ .arg1 }}... slots; an environment's own prompts win
        self.llm_prompts = dict(llm_prompts or {})
        # a bigger webhook response gives a warning and isn't used (the call counts as failed)
        self.max_webhook_response_bytes = max_webhook_response_bytes
        # (contact, msg) -> an unsendable reason such as "forbidden_content", or "" if the host would send it
        self.check_sendable = check_sendable
        self.user_agent = user_agent

    def _env(self, environment: dict[str, Any] | None) -> Environment:
        env = Environment.from_json(environment, now_fn=self.clock)
        self._configure_env(env)
        return env

    def _configure_env(self, env: Environment) -> None:
        env.extra["rng"] = self.rng
        env.prompts = {**self.llm_prompts, **env.prompts}

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
        from upesi.flows.resumes import apply_resume, check_resume

        check_resume(
            resume
        )  # read first, as goflow's resumes.Read: a refused resume leaves the session as it was
        self._begin_sprint(session)
        if session.sprints > MAX_SPRINTS_PER_SESSION:
            from upesi.flows.runner import fail_session

            fail_session(
                session,
                f"Reached maximum number of sprints per session ({MAX_SPRINTS_PER_SESSION})",
                waiting_first=True,
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
        self._configure_env(s.base_env)
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
