"""Running a voice flow against a call: starting the session when the call is answered, resuming it with
the digits, recording or dial outcome a callback brings, and ending it when the call ends. Sprints are
written by the same code as every other sprint (mailroom.persist), so send_msg during a call goes out as
an SMS through courier, and waits and expirations are stored as for messaging sessions."""

import asyncio
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom import runner
from mailroom.contacts import load_contacts
from mailroom.ivr.calls import CallRow
from mailroom.ivr.services import ChannelInfo
from mailroom.ivr.twiml import DialResume, InputResume
from mailroom.persist import Outgoing, commit_sprints
from mailroom.scene import OrgScene, load_org_scene
from upesi.flows.clock import uuid7


@dataclass
class Ran:
    sprint: runner.Sprint
    outgoing: list[Outgoing]
    default_locale: str


def engine_call(call: CallRow, channel: ChannelInfo, urn: str) -> dict[str, Any]:
    return {"uuid": call.uuid, "channel": {"uuid": channel.uuid, "name": channel.name}, "urn": urn}


def _locale(scene: OrgScene) -> str:
    env = scene.environment or {}
    langs = env.get("allowed_languages") or []
    lang = langs[0] if langs else "und"
    return f"{lang}-{env['default_country']}" if env.get("default_country") else lang


async def start(
    db: AsyncSession, org_id: int, channel: ChannelInfo, call: CallRow, urn: str, trigger: dict[str, Any]
) -> Ran:
    """Start the call's flow (the trigger it was placed with, or an incoming call's) and write the sprint."""
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, [call.contact_id], scene.field_keys)
    contact = contacts[call.contact_id]
    ecall = engine_call(call, channel, urn)

    def run() -> runner.Sprint:
        session, sprint = runner.engine().new_session(
            scene.engine_assets, contact, trigger, environment=scene.environment, call=ecall
        )
        return runner.Sprint(
            contact_id=call.contact_id,
            session=session.to_json(),
            status=session.status,
            contact=session.contact,
            events=list(sprint.events),
            start_id=call.start_id,
            interrupts_waiting=True,
            sprint_uuid=uuid7(),
        )

    sprint = await asyncio.to_thread(run)
    outgoing = await commit_sprints(db, org_id, [sprint], high_priority=True, scene=scene)
    return Ran(sprint, outgoing, _locale(scene))


async def waiting_session(db: AsyncSession, contact_id: int) -> Any:
    return (
        await db.execute(
            text(
                """SELECT id, uuid::text AS uuid, session_type, output, current_flow_id FROM flow_sessions
                   WHERE contact_id = :c AND status = 'W' ORDER BY id DESC LIMIT 1"""
            ),
            {"c": contact_id},
        )
    ).first()


async def resume(
    db: AsyncSession,
    org_id: int,
    channel: ChannelInfo,
    call: CallRow,
    urn: str,
    session_row: Any,
    given: InputResume | DialResume,
    store: Callable[[str], Awaitable[str]] | None = None,
) -> Ran:
    """Resume the call's waiting session. Digits and recordings are stored as incoming voice messages
    (handled by the flow); a timeout resumes with an empty message that is not stored, as mailroom does.
    store: keeps a recording (the provider's attachment) and gives the attachment of our copy."""
    scene = await load_org_scene(db, org_id)
    contacts = await load_contacts(db, org_id, [call.contact_id], scene.field_keys)
    now = runner.now_iso()
    if isinstance(given, DialResume):
        engine_resume: dict[str, Any] = {
            "type": "dial",
            "resumed_on": now,
            "event": {
                "type": "dial_ended",
                "created_on": now,
                "dial": {"status": given.status, "duration": given.duration},
            },
        }
    else:
        if given.attachment and store is not None:
            given = InputResume(given.text, await store(given.attachment))
        msg = {
            "uuid": str(uuidlib.uuid4()),
            "urn": urn,
            "channel": {"uuid": channel.uuid, "name": channel.name},
            "text": given.text,
            "attachments": [given.attachment] if given.attachment else [],
        }
        if given.text or given.attachment:
            await _store_incoming(db, org_id, channel, call, session_row.current_flow_id, msg)
        engine_resume = runner.msg_resume(msg)
    session_json = dict(session_row.output, contact=contacts[call.contact_id])
    sprint = await runner.resume_session(
        scene.engine_assets, scene.environment, call.contact_id, session_json, engine_resume
    )
    outgoing = await commit_sprints(db, org_id, [sprint], high_priority=True, scene=scene)
    return Ran(sprint, outgoing, _locale(scene))


async def _store_incoming(
    db: AsyncSession, org_id: int, channel: ChannelInfo, call: CallRow, flow_id: int | None, msg: dict
) -> None:
    await db.execute(
        text(
            """
            INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, flow_id, text, attachments,
                              direction, status, msg_type)
            VALUES (CAST(:u AS uuid), :o, :ch, :c, :urn, :f, :t, CAST(:a AS text[]), 'I', 'H', 'V')
            """
        ),
        {"u": msg["uuid"], "o": org_id, "ch": channel.id, "c": call.contact_id, "urn": call.contact_urn_id,
         "f": flow_id, "t": msg["text"], "a": msg["attachments"]},
    )  # fmt: skip


async def end_session(db: AsyncSession, session_uuid: str | None, status: str = "I") -> None:
    """The call is over: its session, if still waiting, ends (interrupted) with its runs, and the contact
    is no longer in it."""
    if not session_uuid:
        return
    await db.execute(
        text(
            """
            WITH ended AS (
                UPDATE flow_sessions SET status = :s, ended_on = now()
                WHERE uuid = CAST(:u AS uuid) AND status = 'W' RETURNING uuid, contact_id
            ), runs AS (
                UPDATE flow_runs SET status = :s, exited_on = now(), modified_on = now()
                WHERE session_uuid IN (SELECT uuid FROM ended) AND status IN ('A', 'W')
            ), fires AS (
                DELETE FROM contact_fires WHERE session_uuid IN (SELECT uuid FROM ended)
            )
            UPDATE contacts SET current_session_uuid = NULL, current_flow_id = NULL
            WHERE id IN (SELECT contact_id FROM ended) AND current_session_uuid = CAST(:u AS uuid)
            """
        ),
        {"u": session_uuid, "s": status},
    )
