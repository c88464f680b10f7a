"""A USSD input (an incoming message on a USSD channel, stored by courier while it waits in the provider's
request): the first input of a USSD session starts the flow of the USSD trigger whose keyword is the dialled
service code; each later input resumes that flow session; the messages the sprint made become the screen
courier answers with (upesi.ussd.handoff), "CON" while the flow waits, "END" once it is over.

Called by contact_events/msg_received (`handle`) under the contact's lock: the flow runs and commits in one
transaction (`run`), then the screen is handed over (`hand_over`), so the answer is only given for what is stored. A screen is the sprint's messages, each
with its quick replies as numbered options, fitted to 182 characters; a numbered reply picks that option.
"""

import copy
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import runner
from mailroom.contacts import load_contacts
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing, commit_sprints
from mailroom.scene import OrgScene, load_org_scene
from mailroom.triggers import TriggerRow, best
from upesi.channeltypes.ussd import USSD_CODES
from upesi.config import get_settings
from upesi.db.engine import transaction
from upesi.db.raw import asyncpg_of
from upesi.flows.assets import Assets
from upesi.queues.redis import get_redis
from upesi.ussd import handoff, state
from upesi.ussd.dial import is_service_code, split_extra
from upesi.ussd.handoff import Reply
from upesi.ussd.screen import choose, fit, menu
from upesi.ussd.state import SESSION_SECONDS, SessionState

log = logging.getLogger(__name__)

UNKNOWN_CODE = "Sorry, {code} is not in use."
SESSION_GONE = "Sorry, this session has ended. Please dial again."
NOT_AVAILABLE = "Sorry, this service is not available to you."


@dataclass
class Pending:
    """What to hand courier once the transaction has committed."""

    msg_uuid: str
    channel_uuid: str
    session_id: str
    reply: Reply | None  # None: courier no longer waits, nothing to hand over
    contact_id: int = 0
    answer_uuids: list[str] = field(default_factory=list)  # the outgoing messages that make the screen
    others: list[Outgoing] = field(default_factory=list)  # messages for other channels, queued as usual
    state: SessionState | None = None  # kept while the flow waits


_ussd_channels: dict[tuple[str, int], bool] = {}


async def on_ussd_channel(channel_id: int | None) -> bool:
    """Whether a message came on a USSD channel (a channel's type never changes: known once per process)."""
    if channel_id is None:
        return False
    key = (get_settings().database_url, channel_id)
    if key not in _ussd_channels:
        async with transaction() as db:
            found = await (await asyncpg_of(db)).fetchval(
                "SELECT channel_type FROM channels WHERE id = $1", channel_id
            )
        _ussd_channels[key] = found in USSD_CODES
    return _ussd_channels[key]


async def handle(org_id: int, contact_id: int, task: dict[str, Any], state_sql: str) -> None:
    """msg_received for a USSD channel; state_sql is msg_received's one-trip read of the contact's state."""
    pending: Pending | None = None
    async with transaction() as db:
        pg = await asyncpg_of(db)
        row = await pg.fetchrow(
            state_sql, contact_id, org_id, task.get("channel_id"), task["msg_uuid"], task.get("urn_id")
        )
        if row is None or not row["is_active"]:
            log.info("USSD input for a missing or deleted contact ignored", extra={"contact_id": contact_id})
            return
        if row["msg_status"] == "H":
            return  # redelivered after a crash: already done
        pending = await run(db, org_id, contact_id, task, row)
    await hand_over(pending)


async def run(db: AsyncSession, org_id: int, contact_id: int, task: dict[str, Any], row: Any) -> Pending:
    pg = await asyncpg_of(db)
    msg_uuid, channel_uuid = task["msg_uuid"], row["channel_uuid"]
    raw = await pg.fetchval("SELECT metadata->'payload'->'ussd' FROM msgs WHERE uuid = $1::uuid", msg_uuid)
    ussd = (json.loads(raw) if isinstance(raw, str) else raw) or {}
    session_id = str(ussd.get("session_id", ""))
    pending = Pending(msg_uuid, channel_uuid, session_id, None, contact_id)
    redis = get_redis()
    if not await handoff.is_waiting(redis, msg_uuid):
        # courier has answered already (too late, or Redis was down): keep the input, run nothing, and end the
        # flow session of this USSD session, which the provider has ended
        await _end_session(pg, await state.load(redis, channel_uuid, session_id))
        await state.forget(redis, channel_uuid, session_id)
        await _mark_handled(pg, msg_uuid)
        log.warning("USSD input handled after courier stopped waiting", extra={"msg_uuid": msg_uuid})
        return pending
    if row["status"] == "B" or not row["channel_active"]:
        await _mark_handled(pg, msg_uuid)
        pending.reply = Reply(NOT_AVAILABLE, end=True, error="ussd_contact_blocked")
        return pending

    scene = await load_org_scene(db, org_id, version=row["assets_version"])
    known = await state.load(redis, channel_uuid, session_id)
    hops = ussd.get("hops")
    inputs = [str(i) for i in ussd.get("inputs") or []]
    contacts = await load_contacts(db, org_id, [contact_id], scene.field_keys)
    contact = _with_affinity(contacts[contact_id], task["urn"], channel_uuid)
    assets = _ussd_assets(scene, channel_uuid)
    msg = {
        "uuid": msg_uuid,
        "urn": task["urn"],
        "channel": {"uuid": channel_uuid, "name": row["channel_name"]},
        "text": task.get("text") or "",
    }

    if known is None and hops:  # inputs of a session we no longer know (ended, cancelled, expired)
        await _mark_handled(pg, msg_uuid)
        pending.reply = Reply(SESSION_GONE, end=True, error="ussd_session_gone")
        return pending
    if known is None:  # a new USSD session: the dialled code picks the flow
        code = str(ussd.get("service_code", ""))
        found = _match(scene.triggers, code, row["channel_id"], set(row["group_ids"]))
        if found is None:
            await _mark_handled(pg, msg_uuid)
            pending.reply = Reply(
                UNKNOWN_CODE.format(code=code or "this code"), end=True, error="ussd_unknown_code"
            )
            return pending
        trigger, extra = found
        typed = inputs if hops is not None else [i for i in inputs[-1:] if not is_service_code(i)]
        first_inputs = extra + typed
        # a manual trigger, not a msg one: the engine would take a trigger's message as the first wait's input
        engine_trigger = {
            "type": "manual",
            "flow": {"uuid": trigger.flow_uuid, "name": trigger.flow_name},
            "params": {"service_code": code, "session_id": session_id},
            "triggered_on": runner.now_iso(),
        }
        starts = [(contact_id, contact, engine_trigger)]
        sprint = (await runner.start_sessions(assets, scene.environment, starts))[0]
        step_start = 0  # where the events of the last engine step begin
        for value in first_inputs:  # codes dialled with inputs (*384*12*1#): each resumes in turn
            if sprint.status != "waiting":
                break
            quick_replies = _last_quick_replies(sprint)
            step_start = len(sprint.events)
            resumed = await runner.resume_session(
                assets, scene.environment, contact_id, dict(sprint.session, contact=contact),
                runner.msg_resume(dict(msg, text=choose(value, quick_replies))),
            )  # fmt: skip
            resumed.events = sprint.events + resumed.events
            resumed.interrupts_waiting = True
            sprint = resumed
        shown_count = _msgs_created(sprint.events[step_start:])
    else:
        if hops is not None and known.hops >= hops:  # the provider repeated a request: the same answer again
            await _mark_handled(pg, msg_uuid)
            pending.reply = Reply.decode(known.answer)
            pending.state = known
            return pending
        waiting = row["output"] if row["session_id"] is not None else None
        if waiting is None or waiting.get("uuid") != known.flow_session_uuid:
            await _mark_handled(pg, msg_uuid)
            pending.reply = Reply(SESSION_GONE, end=True, error="ussd_session_gone")
            return pending
        resume = runner.msg_resume(dict(msg, text=choose(msg["text"], known.quick_replies)))
        sprint = await runner.resume_session(
            assets, scene.environment, contact_id, dict(waiting, contact=contact), resume
        )
        shown_count = _msgs_created(sprint.events)

    runs = sprint.session.get("runs") or []
    flow_id = scene.flow_ids.get(runs[0]["flow"]["uuid"]) if runs else None
    outgoing = await commit_sprints(
        db, org_id, [sprint], high_priority=True, handled=(msg_uuid, flow_id), scene=scene
    )
    answer = [o for o in outgoing if o.channel_uuid == channel_uuid]
    pending.others = [o for o in outgoing if o.channel_uuid != channel_uuid]
    # the screen is what the last step said (inputs dialled with the code skip the screens before)
    shown = [m for o in answer for m in o.msgs][-shown_count:] if shown_count else []
    pending.answer_uuids = [m["uuid"] for m in shown]
    text, cut = fit("\n".join(menu(m["text"], list(m.get("quick_replies") or [])) for m in shown))
    going_on = sprint.status == "waiting"
    pending.reply = Reply(text, end=not going_on, cut=cut)
    if going_on:
        # the flow session lasts as long as a USSD session can: its expiry is brought forward to that
        await pg.execute(
            "UPDATE contact_fires SET fire_on = LEAST(fire_on, now() + make_interval(secs => $3))"
            " WHERE contact_id = $1 AND fire_type = 'E' AND scope = '' AND session_uuid = $2::uuid",
            contact_id, sprint.session["uuid"], float(SESSION_SECONDS),
        )  # fmt: skip
        pending.state = SessionState(
            contact_id=contact_id,
            flow_session_uuid=sprint.session["uuid"],
            hops=hops if hops is not None else (known.hops + 1 if known else len(inputs)),
            answer=pending.reply.encode(),
            quick_replies=list((shown[-1].get("quick_replies") or []) if shown else []),
        )
    return pending


async def hand_over(pending: Pending) -> None:
    """After the commit: give courier the screen; if it stopped waiting meanwhile, the screen never reached
    anyone: its messages are failed and the flow session is ended."""
    if pending.reply is None:
        return
    redis = get_redis()
    if pending.state is not None:  # first, so a repeated request right after the answer finds it
        await state.save(redis, pending.channel_uuid, pending.session_id, pending.state)
    delivered = await handoff.deliver(redis, pending.msg_uuid, pending.reply)
    async with transaction() as db:
        pg = await asyncpg_of(db)
        if pending.answer_uuids:
            await pg.execute(
                """UPDATE msgs SET status = $2::text, failed_reason = $3::text, modified_on = now(),
                          sent_on = CASE WHEN $2::text = 'W' THEN now() ELSE sent_on END
                   WHERE uuid = ANY($1::uuid[]) AND status = 'Q'""",
                pending.answer_uuids, "W" if delivered else "F", None if delivered else "E",
            )  # fmt: skip
        if not delivered:
            await _end_session(pg, pending.state)
    if not delivered or pending.state is None:
        await state.forget(redis, pending.channel_uuid, pending.session_id)
    if not delivered:
        log.warning("USSD answer too late: failed, session ended", extra={"msg_uuid": pending.msg_uuid})
    await queue_outgoing(pending.others)


def _match(
    triggers: list[TriggerRow], dialled: str, channel_id: int | None, groups: set[int]
) -> tuple[TriggerRow, list[str]] | None:
    """The USSD trigger for a dialled code, and the inputs dialled after its code; the longest code wins, then
    the usual scoring (channel, groups)."""
    candidates: list[tuple[int, TriggerRow, list[str]]] = []
    for t in triggers:
        if t.trigger_type != "U":
            continue
        for code in t.keywords:
            extra = split_extra(dialled, code)
            if extra is not None:
                candidates.append((len(code), t, extra))
    for length in sorted({c[0] for c in candidates}, reverse=True):
        same = [(t, extra) for n, t, extra in candidates if n == length]
        winner = best([t for t, _ in same], channel_id, groups)
        if winner is not None:
            return winner, next(extra for t, extra in same if t is winner)
    return None


def _with_affinity(contact: dict[str, Any], urn: str, channel_uuid: str) -> dict[str, Any]:
    """The contact with the URN the input came on first and tied to the USSD channel, so the engine answers
    there (for this sprint only: the stored URN keeps its channel)."""
    identity = urn.split("?")[0]
    urns = list(contact.get("urns") or [])
    mine = [u for u in urns if u.split("?")[0] == identity]
    rest = [u for u in urns if u.split("?")[0] != identity]
    tied = []
    for u in mine or [identity]:
        base, _, query = u.partition("?")
        params = [p for p in query.split("&") if p and not p.startswith("channel=")]
        tied.append(f"{base}?{'&'.join([*params, f'channel={channel_uuid}'])}")
    return dict(contact, urns=tied + rest)


_assets_cache: dict[tuple[int, str], tuple[OrgScene, Assets]] = {}


def _ussd_assets(scene: OrgScene, channel_uuid: str) -> Assets:
    """The scene's assets with the USSD channel able to send: elsewhere it never is (role U), so it is never
    picked for anything but its own sessions. A shallow copy: parsed flows are shared with the scene."""
    key = (id(scene), channel_uuid)
    hit = _assets_cache.get(key)
    if hit is not None and hit[0] is scene:
        return hit[1]
    assets = copy.copy(scene.engine_assets)
    assets.channels = dict(assets.channels)
    if channel_uuid in assets.channels:
        ch = assets.channels[channel_uuid]
        assets.channels[channel_uuid] = dict(ch, roles=[*(ch.get("roles") or []), "send"])
    if len(_assets_cache) > 256:
        _assets_cache.clear()
    _assets_cache[key] = (scene, assets)
    return assets


def _msgs_created(events: list[dict[str, Any]]) -> int:
    return sum(1 for e in events if e.get("type") == "msg_created")


def _last_quick_replies(sprint: runner.Sprint) -> list[str]:
    for e in reversed(sprint.events):
        if e.get("type") == "msg_created":
            return [
                q if isinstance(q, str) else q.get("text", "") for q in e["msg"].get("quick_replies") or []
            ]
    return []


async def _end_session(pg: asyncpg.Connection, known: SessionState | None) -> None:
    if known is None or not known.flow_session_uuid:
        return
    await pg.execute(
        """WITH s AS (UPDATE flow_sessions SET status = 'I', ended_on = now()
                      WHERE uuid = $1::uuid AND status = 'W' RETURNING uuid, contact_id)
           , r AS (UPDATE flow_runs SET status = 'I', exited_on = now(), modified_on = now()
                   WHERE session_uuid IN (SELECT uuid FROM s) AND status IN ('A', 'W'))
           UPDATE contacts SET current_session_uuid = NULL, current_flow_id = NULL
           WHERE id IN (SELECT contact_id FROM s) AND current_session_uuid = $1::uuid""",
        known.flow_session_uuid,
    )


async def _mark_handled(pg: asyncpg.Connection, msg_uuid: str) -> None:
    await pg.execute("UPDATE msgs SET status = 'H', modified_on = now() WHERE uuid = $1::uuid", msg_uuid)
