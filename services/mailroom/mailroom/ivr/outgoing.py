"""Placing outgoing calls: starting a voice flow for contacts records a call for each (with the trigger the
flow will start with when the call is answered) and asks the provider to place it. A channel with
max_concurrent_calls in its config never has more calls wired or in progress than that: the others wait
(status Q) and the retry_calls cron places them later, as it does errored calls whose retry has come.

A contact without a tel URN, or a workspace without a channel that can call, gets no call: that is logged
with the contacts' ids (as a warning) and counted as done in the start, as mailroom skips them."""

import logging
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.ivr import calls
from mailroom.ivr.clogs import ChannelLog
from mailroom.ivr.services import SERVICES, ChannelInfo, ServiceError, service_for
from mailroom.ivr.web import callback_base, load_channel
from upesi.db.engine import transaction

log = logging.getLogger(__name__)
RETRY_LIMIT = 100


def is_voice(assets: dict[str, Any], flow_uuid: str) -> bool:
    return any(f.get("uuid") == flow_uuid and f.get("type") == "voice" for f in assets.get("flows", []))


async def create_calls(
    db: AsyncSession, org_id: int, contact_ids: list[int], trigger: dict[str, Any], start_id: int | None
) -> list[int]:
    """One pending call per contact that has a tel URN and a channel that can call it: the URN's own
    channel if it can call, else the workspace's first calling channel. Returns the call ids."""
    rows = (
        await db.execute(
            text(
                """
                SELECT DISTINCT ON (u.contact_id) u.contact_id, u.id AS urn_id,
                       COALESCE(own.id, (SELECT id FROM channels WHERE org_id = :o AND is_active
                                         AND role LIKE '%C%' AND channel_type = ANY(:types) ORDER BY id LIMIT 1)
                       ) AS channel_id
                FROM contact_urns u
                LEFT JOIN channels own ON own.id = u.channel_id AND own.is_active AND own.role LIKE '%C%'
                     AND own.channel_type = ANY(:types)
                WHERE u.contact_id = ANY(CAST(:ids AS bigint[])) AND u.scheme = 'tel' AND u.org_id = :o
                ORDER BY u.contact_id, u.priority DESC, u.id
                """
            ),
            {"o": org_id, "ids": contact_ids, "types": list(SERVICES)},
        )
    ).all()
    callable_rows = [r for r in rows if r.channel_id is not None]
    skipped = sorted(set(contact_ids) - {r.contact_id for r in callable_rows})
    if skipped:
        log.warning(
            "voice flow start: no tel URN or no channel that can call, no call placed",
            extra={"org_id": org_id, "start_id": start_id, "contact_ids": skipped},
        )
    return await calls.insert_calls(
        db,
        [{"org_id": org_id, "channel_id": r.channel_id, "contact_id": r.contact_id, "contact_urn_id": r.urn_id,
          "direction": "O", "status": "P", "trigger": trigger, "start_id": start_id} for r in callable_rows],
    )  # fmt: skip


async def place_calls(call_ids: list[int]) -> None:
    """Ask the provider for each call, one transaction per call (a provider's answer is not held up by
    another's), throttled by the channel's max_concurrent_calls."""
    if not call_ids:
        return  # every messaging start's batch comes here: a client's TLS context costs ~15-30 ms of CPU
    async with httpx.AsyncClient() as client:
        for call_id in call_ids:
            async with transaction() as db:
                await place_call(db, client, call_id)


async def place_call(db: AsyncSession, client: httpx.AsyncClient, call_id: int) -> str:
    """Returns the call's new status: W wired, Q throttled, F failed."""
    [call] = await calls.get_by_ids(db, [call_id])
    channel_uuid = (
        await db.execute(text("SELECT uuid::text FROM channels WHERE id = :c"), {"c": call.channel_id})
    ).scalar()
    channel = await load_channel(db, str(channel_uuid)) if channel_uuid else None
    if channel is None:
        await calls.set_failed(db, call.id, "P")
        return "F"
    max_calls = int(channel.config.get("max_concurrent_calls") or 0)
    # a lock per channel so that two workers can't both take the last free line
    await db.execute(text("SELECT pg_advisory_xact_lock(7301, :c)"), {"c": channel.id})
    if max_calls > 0 and await calls.active_count(db, channel.id) >= max_calls:
        await calls.set_throttled(db, call.id)
        return "Q"
    to = (
        await db.execute(text("SELECT path FROM contact_urns WHERE id = :u"), {"u": call.contact_urn_id})
    ).scalar()
    return await _request(db, client, channel, call, str(to or ""))


async def _request(
    db: AsyncSession, client: httpx.AsyncClient, channel: ChannelInfo, call: calls.CallRow, to: str
) -> str:
    try:
        svc = service_for(channel)
    except ServiceError as e:
        log.error("call not placed", extra={"call_id": call.id, "error": str(e)})
        await calls.set_failed(db, call.id, "P")
        return "F"
    base = callback_base(channel)
    callback = f"{base}/mr/ivr/c/{channel.uuid}/handle?action=start&call={call.uuid}"
    status_url = f"{base}/mr/ivr/c/{channel.uuid}/status"
    clog = ChannelLog("ivr_start", channel.id, svc.secrets())
    try:
        external_id = await svc.request_call(client, to, callback, status_url, clog)
    except ServiceError as e:
        clog.error(str(e))
        await clog.write(db)
        await calls.attach_log(db, call.id, clog.uuid)
        await calls.set_failed(db, call.id, "P")
        return "F"
    await clog.write(db)
    await calls.attach_log(db, call.id, clog.uuid)
    await calls.set_wired(db, call.id, external_id)
    return "W"


async def retry_calls() -> int:
    """Cron: place the calls whose next attempt has come (throttled ones, errored ones to retry)."""
    async with transaction() as db:
        due = await calls.due_for_retry(db, RETRY_LIMIT)
        if due:
            await db.execute(
                text(
                    "UPDATE calls SET status = 'P', next_attempt = NULL WHERE id = ANY(CAST(:i AS bigint[]))"
                ),
                {"i": due},
            )
    await place_calls(due)
    return len(due)
