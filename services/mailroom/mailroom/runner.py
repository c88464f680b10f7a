"""Running the engine for contacts: starting sessions and resuming them. The engine is pure and
synchronous, so a batch of sprints runs in one worker thread, leaving the event loop free."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from upesi.flows.assets import Assets
from upesi.flows.clock import uuid7  # buffered randomness: uuid4 is a system call per sprint
from upesi.flows.engine import Engine
from upesi.flows.resumes import new_resume

_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        from mailroom.services import SMTPEmailService
        from mailroom.webhooks import EngineHTTPClient

        # no airtime service: transfer_airtime fails with "no airtime service available" (an error event)
        _engine = Engine(http=EngineHTTPClient(), email=SMTPEmailService())
    return _engine


@dataclass
class Sprint:
    """What one start or resume of one contact produced, ready to be persisted."""

    contact_id: int
    session: dict[str, Any]
    status: str
    contact: dict[str, Any]
    events: list[dict[str, Any]]
    start_id: int | None = None
    interrupts_waiting: bool = False  # a new session replaces any waiting one
    sprint_uuid: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _start(
    assets: Assets, env: dict, contact_id: int, contact: dict, trigger: dict, start_id: int | None
) -> Sprint:
    session, sprint = engine().new_session(assets, contact, trigger, environment=env)
    return Sprint(
        contact_id=contact_id,
        session=session.to_json(),
        status=session.status,
        contact=session.contact,
        events=list(sprint.events),
        start_id=start_id,
        interrupts_waiting=True,
        sprint_uuid=uuid7(),
    )


def _resume(assets: Assets, env: dict, contact_id: int, session_json: dict, resume: dict) -> Sprint:
    session = engine().read_session(assets, session_json, environment=env)
    sprint = engine().resume(session, resume)
    return Sprint(
        contact_id=contact_id,
        session=session.to_json(),
        status=session.status,
        contact=session.contact,
        events=list(sprint.events),
        sprint_uuid=uuid7(),
    )


def engine_assets(assets: dict | Assets) -> Assets:
    """Parsed once per call (or once per scene when the caller passes its Assets), not once per contact."""
    return assets if isinstance(assets, Assets) else Assets(assets)


async def start_sessions(
    assets: dict | Assets, env: dict, starts: list[tuple[int, dict, dict]], start_id: int | None = None
) -> list[Sprint]:
    """Start a session for each (contact_id, contact JSON, trigger JSON)."""
    parsed = engine_assets(assets)

    def run() -> list[Sprint]:
        return [_start(parsed, env, cid, contact, trigger, start_id) for cid, contact, trigger in starts]

    return await asyncio.to_thread(run)


async def resume_session(
    assets: dict | Assets, env: dict, contact_id: int, session_json: dict, resume: dict
) -> Sprint:
    return await asyncio.to_thread(_resume, engine_assets(assets), env, contact_id, session_json, resume)


def msg_trigger(
    flow: dict[str, str], msg: dict[str, Any], keyword: str | None, match_type: str | None
) -> dict:
    now = now_iso()
    # as mailroom's triggers.NewBuilder(flow).MsgReceived(event): the message comes in its msg_received event
    event = new_resume("msg", now, msg=msg)["event"]
    trigger: dict[str, Any] = {"type": "msg", "flow": flow, "event": event, "triggered_on": now}
    if keyword:
        trigger["keyword_match"] = {
            "type": "only_word" if match_type == "O" else "first_word",
            "keyword": keyword,
        }
    return trigger


def msg_resume(msg: dict[str, Any]) -> dict:
    """A msg resume with its msg_received event, which takes the message's UUID (as mailroom's): the
    session's input, and so the replies and labels, refer to the stored message by it."""
    return new_resume("msg", now_iso(), msg=msg)


def wait_resume(resume_type: str) -> dict:
    """A wait_timeout or wait_expiration resume with its wait_timed_out / wait_expired event, made now."""
    return new_resume(resume_type, now_iso())
